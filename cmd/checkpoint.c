/* SPDX-License-Identifier: Apache-2.0 */
/* kata checkpoint [flags] ID: refused (no CRIU inside the VM); runc's flags are accepted so
 * the refusal names the real reason. */
#include <getopt.h>

#include "commands.h"

int cmd_checkpoint(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	if (argc < 2)
		return cmd_error(err, 22, "checkpoint: a container id is required");
	return kata_container_checkpoint(ctx, argv[argc - 1], err);
}
