/* SPDX-License-Identifier: Apache-2.0 */
/* kata restore [flags] ID: refused, as checkpoint is. */
#include <getopt.h>

#include "commands.h"

int cmd_restore(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	if (argc < 2)
		return cmd_error(err, 22, "restore: a container id is required");
	return kata_container_restore(ctx, argv[argc - 1], err);
}
