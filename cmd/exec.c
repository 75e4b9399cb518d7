/* SPDX-License-Identifier: Apache-2.0 */
/* kata exec [flags] ID [COMMAND [ARG...]]: run a new process in a running container. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "commands.h"

int cmd_exec(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	enum {
		OPT_CONSOLE = 256,
		OPT_PIDFILE,
		OPT_CWD,
		OPT_CAP,
		OPT_NNP,
		OPT_PRESERVE,
		OPT_LABEL,
		OPT_APPARMOR,
		OPT_IGNORE_PAUSED,
		OPT_CGROUP
	};
	static const struct option options[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"tty", no_argument, NULL, 't'},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PIDFILE},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cap", required_argument, NULL, OPT_CAP},
	    {"no-new-privs", no_argument, NULL, OPT_NNP},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"process-label", required_argument, NULL, OPT_LABEL},
	    {"apparmor", required_argument, NULL, OPT_APPARMOR},
	    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
	    {"cgroup", required_argument, NULL, OPT_CGROUP},
	    {0},
	};
	struct kata_exec_options o = {0};
	/* Repeatable flags: at most one value per argument. */
	const char **env = calloc((size_t)argc, sizeof(*env));
	const char **caps = calloc((size_t)argc, sizeof(*caps));
	const char **gids = calloc((size_t)argc, sizeof(*gids));
	int rc = 0, c;
	if (!env || !caps || !gids) {
		rc = cmd_error(err, ENOMEM, "out of memory");
		goto out;
	}
	opterr = 0;
	while (rc == 0 && (c = getopt_long_only(argc, argv, "+p:tde:u:g:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_path = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case OPT_CONSOLE:
			o.console_socket = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case OPT_PIDFILE:
			o.pid_file = optarg;
			break;
		case OPT_CWD:
			o.cwd = optarg;
			break;
		case 'e':
			env[o.n_env++] = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'g':
			gids[o.n_additional_gids++] = optarg;
			break;
		case OPT_CAP:
			caps[o.n_caps++] = optarg;
			break;
		case OPT_NNP:
			o.no_new_privs = true;
			break;
		case OPT_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 1024)
				rc = cmd_error(err, EINVAL, "exec: invalid --preserve-fds \"%s\"",
					       optarg);
			o.preserve_fds = (int)n;
			break;
		}
		case OPT_LABEL:
			o.process_label = optarg;
			break;
		case OPT_APPARMOR:
			o.apparmor = optarg;
			break;
		case OPT_IGNORE_PAUSED:
			break; /* a paused VM cannot start a process: exec refuses either way */
		case OPT_CGROUP:
			rc = cmd_error(err, ENOTSUP,
				       "exec: --cgroup is not supported (the container's cgroups "
				       "live in its VM)");
			break;
		default:
			rc = cmd_error(err, EINVAL, "exec: unknown or incomplete flag \"%s\"",
				       argv[optind - 1]);
		}
	}
	if (rc < 0)
		goto out;
	if (optind >= argc) {
		rc = cmd_error(err, EINVAL, "exec: a container id is required");
		goto out;
	}
	const char *id = argv[optind++];
	o.args = (const char *const *)argv + optind;
	o.n_args = (size_t)(argc - optind);
	o.env = env;
	o.caps = caps;
	o.additional_gids = gids;
	int status = 0;
	rc = kata_container_exec(ctx, id, &o, &status, err);
	if (rc >= 0)
		rc = status;
out:
	free(env);
	free(caps);
	free(gids);
	return rc;
}
