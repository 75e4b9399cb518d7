/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>

#include "commands.h"

int cmd_start(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	const char *id;
	optind = 1;
	int rc = cmd_take_id(argc, argv, "start", &id, err);
	return rc < 0 ? rc : kata_container_start(ctx, id, err);
}
