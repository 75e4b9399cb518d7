/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: one host process per container that stands in for the workload. It owns the
 * VM and the agent connection, relays stdio, tty and signals, serves the CLI over the control
 * socket, and exits with the workload's status (128+signal when it was killed).
 */
#ifndef KATA_MONITOR_H
#define KATA_MONITOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "kata.h"
#include "oci_spec.h"

/* What the monitor tells the process that forked it, once, through the sync pipe. */
struct monitor_report {
	int32_t status; /* 0: created; else an errno */
	int32_t pid;	/* the monitor's pid */
	char msg[1000];
};

struct monitor_args {
	const struct kata_context *ctx;
	const char *id;
	char dir[PATH_MAX];
	struct oci_spec *spec;
	const char *console_socket;
	bool foreground; /* run: a child of the CLI that shares its terminal */
	int sync_fd;	 /* write end of the sync pipe */
};

/* Boots the VM, creates the container, reports through sync_fd, then serves until the
 * workload exits. Never returns: exits with the workload's status. */
_Noreturn void monitor_main(struct monitor_args *args);

#endif
