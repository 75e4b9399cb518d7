/* SPDX-License-Identifier: Apache-2.0 */
#include "commands.h"

int cmd_create(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	struct kata_create_options opts = {0};
	const char *id;
	int rc = cmd_parse_create_flags(argc, argv, "create", false, &opts, err);
	if (rc < 0 || (rc = cmd_take_id(argc, argv, "create", &id, err)) < 0)
		return rc;
	return kata_container_create(ctx, id, &opts, err);
}
