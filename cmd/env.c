/* SPDX-License-Identifier: Apache-2.0 */
/* kata env: the resolved runtime configuration as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

int cmd_env(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	if (argc > 1)
		return cmd_error(err, 22, "env: unexpected argument \"%s\"", argv[1]);
	char *json = NULL;
	int rc = kata_env_json(ctx, &json, err);
	if (rc < 0)
		return rc;
	printf("%s\n", json);
	free(json);
	return 0;
}
