/* SPDX-License-Identifier: Apache-2.0 */
/* kata spec [--bundle DIR] [--rootless]: write a default config.json. */
#include <errno.h>
#include <getopt.h>

#include "commands.h"

int cmd_spec(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'}, {"rootless", no_argument, NULL, 'r'}, {0}};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+b:", options, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return cmd_error(err, EINVAL, "spec: unknown or incomplete flag \"%s\"",
					 argv[optind - 1]);
	}
	if (optind < argc)
		return cmd_error(err, EINVAL, "spec: unexpected argument \"%s\"", argv[optind]);
	return kata_spec_write(bundle, rootless, err);
}
