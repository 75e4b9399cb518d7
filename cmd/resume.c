/* SPDX-License-Identifier: Apache-2.0 */
/* kata resume ID: thaw a paused container. */
#include <getopt.h>

#include "commands.h"

int cmd_resume(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	const char *id;
	optind = 1;
	int rc = cmd_take_id(argc, argv, "resume", &id, err);
	return rc < 0 ? rc : kata_container_resume(ctx, id, err);
}
