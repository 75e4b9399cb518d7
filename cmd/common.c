/* SPDX-License-Identifier: Apache-2.0 */
/* Flag parsing shared by several commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

int cmd_error(struct kata_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->status = errnum;
	return -errnum;
}

int cmd_take_id(int argc, char **argv, const char *command, const char **ret_id,
		struct kata_error *err)
{
	/* Commands without flags of their own would otherwise take "--bogus" for an id. */
	bool after_dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
	for (int i = optind; i < argc && !after_dashdash; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_error(err, EINVAL, "%s: unknown flag \"%s\"", command, argv[i]);
	if (optind >= argc)
		return cmd_error(err, EINVAL, "%s: a container id is required", command);
	if (argc - optind > 1)
		return cmd_error(err, EINVAL, "%s: unexpected argument \"%s\"", command,
				 argv[optind + 1]);
	*ret_id = argv[optind];
	return 0;
}

int cmd_parse_create_flags(int argc, char **argv, const char *command, bool allow_detach,
			   struct kata_create_options *opts, struct kata_error *err)
{
	enum { OPT_CONSOLE = 256, OPT_PIDFILE, OPT_NOPIVOT, OPT_NOKEYRING, OPT_PRESERVE };
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"pid-file", required_argument, NULL, OPT_PIDFILE},
	    {"no-pivot", no_argument, NULL, OPT_NOPIVOT},
	    {"no-new-keyring", no_argument, NULL, OPT_NOKEYRING},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"detach", no_argument, NULL, 'd'},
	    {0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+b:d", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			opts->bundle = optarg;
			break;
		case OPT_CONSOLE:
			opts->console_socket = optarg;
			break;
		case OPT_PIDFILE:
			opts->pid_file = optarg;
			break;
		case OPT_NOPIVOT:
		case OPT_NOKEYRING:
			/* The guest always pivots and the VM has its own keyring: both hold. */
			break;
		case OPT_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 1024)
				return cmd_error(err, EINVAL, "%s: invalid --preserve-fds \"%s\"",
						 command, optarg);
			opts->preserve_fds = (int)n;
			break;
		}
		case 'd':
			if (!allow_detach)
				return cmd_error(err, EINVAL, "%s: unknown flag --detach", command);
			opts->detach = true;
			break;
		default:
			return cmd_error(err, EINVAL, "%s: unknown or incomplete flag \"%s\"",
					 command, argv[optind - 1]);
		}
	}
	return optind;
}

int cmd_parse_bool_flags(int argc, char **argv, const char *command, const char *const *names,
			 const char *shorts, bool *values, struct kata_error *err)
{
	struct option options[16] = {{0}};
	size_t n = 0;
	while (names[n] && n < 15) {
		options[n] = (struct option){names[n], no_argument, NULL, shorts[n]};
		n++;
	}
	char optstring[20] = "+";
	strncat(optstring, shorts, sizeof(optstring) - 2);
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, optstring, options, NULL)) != -1) {
		const char *hit = c > 0 ? strchr(shorts, c) : NULL;
		if (!hit)
			return cmd_error(err, EINVAL, "%s: unknown flag \"%s\"", command,
					 argv[optind - 1]);
		values[hit - shorts] = true;
	}
	return optind;
}
