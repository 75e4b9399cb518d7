/* SPDX-License-Identifier: Apache-2.0 */
/* Forking the host processes that outlive a CLI call (monitor, exec stand-in), and the files
 * they hand back. */
#ifndef KATA_SPAWN_H
#define KATA_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "kata.h"

/*
 * Forks a child that keeps only stdio and the write end of a close-on-exec report pipe: an
 * inherited lock fd must not live on in a process that outlives the CLI. When stdio is not
 * NULL, its three fds become the child's 0, 1 and 2. Returns 0 in the
 * child with *ret_fd the write end, the child's pid in the parent with *ret_fd the read end,
 * or a negative errno.
 */
pid_t spawn_with_report_pipe(const int *stdio, int *ret_fd, struct kata_error *err);

/* Reads a whole fixed-size report from fd; -EPIPE when the child exited before sending it. */
int spawn_read_report(int fd, void *report, size_t len);

/* Writes pid to path atomically, as runc's --pid-file. */
int write_pid_file(const char *path, pid_t pid, struct kata_error *err);

#endif
