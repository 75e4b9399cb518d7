/* SPDX-License-Identifier: Apache-2.0 */
/* kata pause ID: freeze every process of the container. */
#include <getopt.h>

#include "commands.h"

int cmd_pause(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	const char *id;
	optind = 1;
	int rc = cmd_take_id(argc, argv, "pause", &id, err);
	return rc < 0 ? rc : kata_container_pause(ctx, id, err);
}
