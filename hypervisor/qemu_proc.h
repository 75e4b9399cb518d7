/* SPDX-License-Identifier: Apache-2.0 */
/* Running QEMU (the VM or a probe) as a direct child that dies with its parent. */
#ifndef KATA_QEMU_PROC_H
#define KATA_QEMU_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kata.h"

struct qemu_proc_spec {
	char *const *argv;   /* argv[0] is the program path */
	int stdout_fd;	     /* stdout and stderr go here; -1: /dev/null */
	const int *keep_fds; /* fds QEMU must inherit (their numbers are in argv) */
	size_t n_keep;
	bool new_pgrp; /* own process group: terminal signals go to the caller only */
};

/*
 * Forks and execs spec->argv. The child gets SIGKILL when the calling thread exits, has
 * default signal handling, /dev/null as stdin and no other inherited fds. An exec failure is
 * reported here, not as an exit status.
 */
int qemu_proc_spawn(const struct qemu_proc_spec *spec, pid_t *ret_pid, struct kata_error *err);

/* Reaps pid, waiting up to timeout_ms (-1: forever): 0, -ETIMEDOUT, or -ECHILD if gone. */
int qemu_proc_wait(pid_t pid, int timeout_ms, int *ret_status);

/*
 * True when pid has exited, without reaping it (waitid WNOWAIT). Also true, leaving
 * *ret_status untouched, when someone else already reaped it.
 */
bool qemu_proc_exited(pid_t pid, int *ret_status);

/* Describes a wait status: "exited with status 1", "killed by signal 6 (Aborted)". */
void qemu_proc_status_str(int status, char *buf, size_t size);

#endif
