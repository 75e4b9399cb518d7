/* SPDX-License-Identifier: Apache-2.0 */
/* Filesystem helpers for the state store. */
#ifndef KATA_FSUTIL_H
#define KATA_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* mkdir -p with `mode` for the directories it creates. */
int mkdir_p(const char *path, mode_t mode);

/* Writes data to path atomically (temp file + fsync-free rename), mode 0600. */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'ed buffer. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* True when the file `name` (relative to dirfd, or AT_FDCWD) holds exactly `want`. */
bool file_equals_at(int dirfd, const char *name, const char *want);

/* Detaches every mount at or below `dir`, deepest first (libmount's view of mountinfo). */
int umount_below(const char *dir);

/* Removes dir recursively without crossing into other mounts; umount_below first. */
int rm_rf(const char *dir);

/* The start time of a process (field 22 of /proc/PID/stat), to tell a pid from its reuse. */
int proc_start_time(pid_t pid, unsigned long long *ret);

/* True when pid runs and, if start_time is non-zero, is the same process as recorded. */
int process_alive(pid_t pid, unsigned long long start_time);

#endif
