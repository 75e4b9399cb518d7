/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kata.h - the public API of libkata: the OCI runtime operations behind the `kata` CLI,
 * usable by other programs (for example a containerd shim) to drive containers that each
 * run in their own micro-VM.
 *
 * Conventions: every function returns 0 (or a non-negative value) on success and a negative
 * errno on failure; when it fails and `err` is not NULL, `err` holds the errno and a one-line
 * message for the user. Nothing here prints or exits.
 *
 * Example:
 *	struct kata_context ctx = { .root = "/run/kata" };
 *	struct kata_error err = {0};
 *	struct kata_create_options opts = { .bundle = "/path/to/bundle" };
 *	int status;
 *	if (kata_container_run(&ctx, "demo", &opts, &status, &err) < 0)
 *		fprintf(stderr, "%s\n", err.msg);
 */
#ifndef KATA_H
#define KATA_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KATA_PUBLIC __attribute__((visibility("default")))

/* An error: the errno value and a message naming what failed. */
struct kata_error {
	int status;
	char msg[1024];
};

enum kata_log_format { KATA_LOG_TEXT = 0, KATA_LOG_JSON = 1 };

/* Runtime-wide settings, mirroring runc's global flags. Unset fields take defaults. */
struct kata_context {
	const char *root;     /* state directory root; default /run/kata */
	const char *log_path; /* where log lines go; NULL: stderr for errors only */
	enum kata_log_format log_format;
	bool debug;	     /* log debug lines too */
	bool systemd_cgroup; /* accepted for compatibility; the guest uses cgroupfs */
};

/* Options of create and run. */
struct kata_create_options {
	const char *bundle;	    /* bundle directory; default the current directory */
	const char *pid_file;	    /* where to write the monitor's pid, or NULL */
	const char *console_socket; /* unix socket that receives the pty master, or NULL */
	bool detach;		    /* run only: return once started */
	int preserve_fds;	    /* extra fds passed to the container, after stdio */
};

/* The OCI state of one container. */
struct kata_state {
	char id[256];
	char status[16]; /* creating, created, running, paused, stopped */
	pid_t pid;	 /* the monitor, which stands in for the workload; 0 when stopped */
	char bundle[4096];
	char created[64];	/* RFC 3339 time */
	char *annotations_json; /* JSON object or NULL; owned by the state */
};

/* Sets up the container `id` from opts->bundle and boots its VM; the workload waits for start. */
KATA_PUBLIC int kata_container_create(const struct kata_context *ctx, const char *id,
				      const struct kata_create_options *opts,
				      struct kata_error *err);

/* Starts the workload of a created container. */
KATA_PUBLIC int kata_container_start(const struct kata_context *ctx, const char *id,
				     struct kata_error *err);

/* Fills *ret with the container's state; release it with kata_state_clear. */
KATA_PUBLIC int kata_container_state(const struct kata_context *ctx, const char *id,
				     struct kata_state *ret, struct kata_error *err);

/* Releases what a kata_state holds. */
KATA_PUBLIC void kata_state_clear(struct kata_state *state);

/* Formats a state as the OCI state JSON document (malloc'ed into *ret_json). */
KATA_PUBLIC int kata_state_to_json(const struct kata_state *state, char **ret_json,
				   struct kata_error *err);

/* Sends signal `sig` to the workload (to every process of the container when `all`). */
KATA_PUBLIC int kata_container_kill(const struct kata_context *ctx, const char *id, int sig,
				    bool all, struct kata_error *err);

/* Removes a stopped (or created) container; `force` also kills a running one first. */
KATA_PUBLIC int kata_container_delete(const struct kata_context *ctx, const char *id, bool force,
				      struct kata_error *err);

/* Create + start; unless opts->detach, waits, deletes, and stores the exit status in *ret_status.
 */
KATA_PUBLIC int kata_container_run(const struct kata_context *ctx, const char *id,
				   const struct kata_create_options *opts, int *ret_status,
				   struct kata_error *err);

/* Parses a signal given as a name (KILL, SIGKILL) or number; returns the number or -EINVAL. */
KATA_PUBLIC int kata_signal_parse(const char *s);

/* Checks that `id` is a valid container id (non-empty, no '/', not '.' or '..', printable). */
KATA_PUBLIC int kata_id_validate(const char *id, struct kata_error *err);

/* Writes a log line at `level` ("debug", "info", "warning", "error") through ctx's log sink. */
KATA_PUBLIC void kata_log_message(const struct kata_context *ctx, const char *level,
				  const char *msg);

/* The library version string. */
KATA_PUBLIC const char *kata_version(void);

#ifdef __cplusplus
}
#endif
#endif /* KATA_H */
