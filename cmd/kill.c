/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>

#include "commands.h"

int cmd_kill(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const struct option options[] = {{"all", no_argument, NULL, 'a'}, {0}};
	bool all = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+a", options, NULL)) != -1) {
		if (c != 'a')
			return cmd_error(err, EINVAL, "kill: unknown flag \"%s\"",
					 argv[optind - 1]);
		all = true;
	}
	if (optind >= argc)
		return cmd_error(err, EINVAL, "kill: a container id is required");
	if (argc - optind > 2)
		return cmd_error(err, EINVAL, "kill: unexpected argument \"%s\"", argv[optind + 2]);
	const char *id = argv[optind];
	int sig = SIGTERM;
	if (argc - optind == 2) {
		sig = kata_signal_parse(argv[optind + 1]);
		if (sig < 0)
			return cmd_error(err, EINVAL, "kill: invalid signal \"%s\"",
					 argv[optind + 1]);
	}
	return kata_container_kill(ctx, id, sig, all, err);
}
