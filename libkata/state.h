/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state store: <root>/<id>/ (mode 0700) holds state.json, the monitor's control socket,
 * the VM's sockets and logs, and the directory shared into the guest. Commands that change a
 * container hold an flock on its directory.
 */
#ifndef KATA_STATE_H
#define KATA_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "kata.h"

#define KATA_DEFAULT_ROOT "/run/kata"
/* Host probes (accelerator, TSC rate) hold until reboot: cached on tmpfs, apart from --root. */
#define KATA_CACHE_DIR "/run/kata-cache"

struct container_state {
	char *id;
	char *status;		      /* creating, created, running, stopped */
	pid_t pid;		      /* the monitor */
	unsigned long long pid_start; /* its start time, to detect pid reuse */
	char *bundle;
	char *rootfs;
	char *created;		/* RFC 3339 */
	char *annotations_json; /* JSON object or NULL */
	int exit_status;	/* -1 while unknown */
};

/* The container's state directory path. */
int state_dir(const struct kata_context *ctx, const char *id, char ret[PATH_MAX],
	      struct kata_error *err);

/* Creates the state directory (EEXIST: the id is taken) and returns it locked. */
int state_create(const struct kata_context *ctx, const char *id, int *ret_lock_fd,
		 struct kata_error *err);

/* Opens and locks an existing container's directory (ENOENT: no such container). */
int state_lock(const struct kata_context *ctx, const char *id, int *ret_lock_fd,
	       struct kata_error *err);

/* Reads state.json of dir; the status is refreshed against the monitor's liveness. */
int state_read(const char *dir, struct container_state *ret, struct kata_error *err);

/* Writes state.json of dir atomically. */
int state_write(const char *dir, const struct container_state *st, struct kata_error *err);

/* Sets status (and exit status when >= 0) in state.json, keeping the rest. */
int state_update_status(const char *dir, const char *status, int exit_status,
			struct kata_error *err);

/* Releases the strings of a state. */
void container_state_clear(struct container_state *st);

/* Current time as RFC 3339 with nanoseconds, as runc prints it. */
void rfc3339_now(char *buf, size_t len);

#endif
