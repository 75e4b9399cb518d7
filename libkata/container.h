/* SPDX-License-Identifier: Apache-2.0 */
/* Internal helpers shared by the container operation files. */
#ifndef KATA_CONTAINER_H
#define KATA_CONTAINER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "kata.h"
#include "state.h"

/* Validates, loads the spec, creates the state directory and spawns the monitor. With
 * `foreground` the monitor stays a child of the caller (for run). */
int container_create(const struct kata_context *ctx, const char *id,
		     const struct kata_create_options *opts, bool foreground, pid_t *ret_monitor,
		     struct kata_error *err);

/* Reads the state of an existing container (ENOENT with runc's message if there is none). */
int container_load(const struct kata_context *ctx, const char *id, char dir[PATH_MAX],
		   struct container_state *ret, struct kata_error *err);

/* Finds the state directory of a container whose monitor runs (created, running or paused):
 * else ENOENT as container_load, or `not_live_errno` with "container ID is not running". */
int container_find_live(const struct kata_context *ctx, const char *id, char dir[PATH_MAX],
			int not_live_errno, struct kata_error *err);

/* Runs the poststop hooks of hooks_json (NULL: none); a failure is a warning (runtime-spec). */
void container_poststop(const struct kata_context *ctx, const char *id, const char *hooks_json,
			const char *bundle, const char *annotations_json);

#endif
