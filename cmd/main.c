/* SPDX-License-Identifier: Apache-2.0 */
/* kata: a runc-compatible OCI runtime whose containers each run in their own micro-VM. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static const struct {
	const char *name;
	command_fn fn;
	const char *summary;
} commands[] = {
    {"create", cmd_create, "create a container (boots its VM; the workload waits for start)"},
    {"start", cmd_start, "start the workload of a created container"},
    {"state", cmd_state, "print the state of a container as JSON"},
    {"kill", cmd_kill, "send a signal to the container's workload"},
    {"delete", cmd_delete, "delete a container and everything it holds"},
    {"run", cmd_run, "create and start a container, wait for it, delete it"},
    {"exec", cmd_exec, "run a new process in a running container"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"list", cmd_list, "list the containers under the root"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change a container's resource limits"},
    {"events", cmd_events, "print a container's statistics as events"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the OCI features this runtime supports"},
    {"checkpoint", cmd_checkpoint, "not supported: checkpoint a container"},
    {"restore", cmd_restore, "not supported: restore a container"},
    {"logs", cmd_logs, "print the guest console (kernel and agent) of a container"},
    {"check", cmd_check, "check whether this host can run kata"},
    {"env", cmd_env, "print the resolved runtime configuration"},
    {"factory", cmd_factory, "manage the pool of booted VMs: init, status, destroy"},
    {"version", cmd_version, "print the version and compiled-in features"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: kata [global options] command [command options] [arguments...]\n\n"
		     "kata runs every OCI container in its own QEMU micro-VM.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nglobal options:\n"
		     "  --root DIR          state directory (default /run/kata)\n"
		     "  --log FILE          log file (default: none)\n"
		     "  --log-format FMT    text or json\n"
		     "  --debug             log debug messages\n"
		     "  --systemd-cgroup    accepted for compatibility (the guest uses cgroupfs)\n"
		     "  --version, -v       print the version\n");
}

static int fail_usage(const char *msg)
{
	fprintf(stderr, "kata: %s\n", msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct kata_context ctx = {.root = NULL, .log_format = KATA_LOG_TEXT};
	enum {
		OPT_ROOT = 256,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_DEBUG,
		OPT_SYSTEMD,
		OPT_CRIU,
		OPT_ROOTLESS
	};
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"criu", required_argument, NULL, OPT_CRIU},
	    {"rootless", required_argument, NULL, OPT_ROOTLESS},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	static char cwd[4096], abs_log[8192];
	int c;
	/* "+": stop at the command name; its own flags follow it. */
	while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			ctx.root = optarg;
			break;
		case OPT_LOG:
			ctx.log_path = optarg;
			/* The monitor outlives us in another directory: keep the path absolute. */
			if (optarg[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
			    snprintf(abs_log, sizeof(abs_log), "%s/%s", cwd, optarg) <
				(int)sizeof(abs_log))
				ctx.log_path = abs_log;
			break;
		case OPT_LOG_FORMAT:
			if (!strcmp(optarg, "json"))
				ctx.log_format = KATA_LOG_JSON;
			else if (!strcmp(optarg, "text"))
				ctx.log_format = KATA_LOG_TEXT;
			else
				return fail_usage("--log-format must be text or json");
			break;
		case OPT_DEBUG:
			ctx.debug = true;
			break;
		case OPT_SYSTEMD:
			ctx.systemd_cgroup = true;
			break;
		case OPT_CRIU:
			break; /* checkpointing is not supported; the path itself is harmless */
		case OPT_ROOTLESS:
			if (strcmp(optarg, "false") != 0 && strcmp(optarg, "auto") != 0)
				return fail_usage("rootless mode is not supported");
			break;
		case 'v':
			cmd_print_version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		struct kata_error err = {0};
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		optind = 0; /* restart getopt for the command's own flags */
		int rc = commands[i].fn(&ctx, sub_argc, sub_argv, &err);
		if (rc < 0) {
			const char *msg = err.msg[0] ? err.msg : strerror(-rc);
			kata_log_message(&ctx, "error", msg);
			fprintf(stderr, "kata: %s\n", msg);
			return 1;
		}
		return rc;
	}
	fprintf(stderr, "kata: unknown command \"%s\" (see kata --help)\n", name);
	return 1;
}
