/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>

#include "commands.h"

int cmd_delete(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const struct option options[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+f", options, NULL)) != -1) {
		if (c != 'f')
			return cmd_error(err, EINVAL, "delete: unknown flag \"%s\"",
					 argv[optind - 1]);
		force = true;
	}
	const char *id;
	int rc = cmd_take_id(argc, argv, "delete", &id, err);
	return rc < 0 ? rc : kata_container_delete(ctx, id, force, err);
}
