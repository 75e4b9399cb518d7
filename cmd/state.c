/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

int cmd_state(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	const char *id;
	optind = 1;
	int rc = cmd_take_id(argc, argv, "state", &id, err);
	if (rc < 0)
		return rc;
	struct kata_state st;
	rc = kata_container_state(ctx, id, &st, err);
	if (rc < 0)
		return rc;
	char *json = NULL;
	rc = kata_state_to_json(&st, &json, err);
	kata_state_clear(&st);
	if (rc < 0)
		return rc;
	fputs(json, stdout);
	free(json);
	return 0;
}
