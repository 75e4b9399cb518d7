/* SPDX-License-Identifier: Apache-2.0 */
#include "commands.h"

int cmd_run(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	struct kata_create_options opts = {0};
	const char *id;
	int rc = cmd_parse_create_flags(argc, argv, "run", true, &opts, err);
	if (rc < 0 || (rc = cmd_take_id(argc, argv, "run", &id, err)) < 0)
		return rc;
	int status = 0;
	rc = kata_container_run(ctx, id, &opts, &status, err);
	return rc < 0 ? rc : status;
}
