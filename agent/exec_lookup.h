/* SPDX-License-Identifier: Apache-2.0 */
/* Finding the program to execve, with runc's error wording and exit codes (127, 126). */
#ifndef AGENT_EXEC_LOOKUP_H
#define AGENT_EXEC_LOOKUP_H

#include <stddef.h>

#include "error.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The value of NAME in a "NAME=value" list, or NULL. */
const char *env_lookup(char *const *env, size_t n, const char *name);

/*
 * Resolves argv0 against PATH (DEFAULT_PATH when path is NULL) into ret (size bytes).
 * Returns 0, or -ENOENT (exit code 127) / -EACCES (exit code 126) with err set to
 * `exec: "argv0": executable file not found in $PATH` or similar.
 */
int exec_lookup(const char *argv0, const char *path, char *ret, size_t size,
		struct kata_error *err);

/* The exit code a failed lookup or execve stands for: 126 or 127. */
int exec_exit_code(int neg_errno);

#endif
