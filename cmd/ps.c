/* SPDX-License-Identifier: Apache-2.0 */
/* kata ps [--format table|json] ID: the container's processes, as the guest sees them. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

int cmd_ps(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const struct option options[] = {{"format", required_argument, NULL, 'f'}, {0}};
	const char *format = "table";
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+f:", options, NULL)) != -1) {
		if (c != 'f')
			return cmd_error(err, EINVAL, "ps: unknown or incomplete flag \"%s\"",
					 argv[optind - 1]);
		format = optarg;
	}
	if (optind >= argc)
		return cmd_error(err, EINVAL, "ps: a container id is required");
	/* runc hands extra arguments to the host's ps; the guest lists its own way. */
	if (argc - optind > 1)
		return cmd_error(err, ENOTSUP,
				 "ps: ps options (\"%s\") are not supported: the processes are "
				 "listed inside the VM",
				 argv[optind + 1]);
	char *out = NULL;
	int rc = kata_container_ps(ctx, argv[optind], format, &out, err);
	if (rc < 0)
		return rc;
	fputs(out, stdout);
	/* runc ends its JSON with a newline; the guest's listing may not. */
	if (*out && out[strlen(out) - 1] != '\n')
		putchar('\n');
	free(out);
	return 0;
}
