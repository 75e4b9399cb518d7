/* SPDX-License-Identifier: Apache-2.0 */
/* The process `kata exec` asks the agent to run, built the way runc builds it. */
#ifndef KATA_EXEC_PROCESS_H
#define KATA_EXEC_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "kata.h"
#include "state.h"

/*
 * Builds the exec's grpc.Process and packs it into *ret_buf (malloc'ed; returns its length).
 * From opts->process_path when set (a process.json, as runc's --process), else the
 * container's own process (env, cwd, user, capabilities, ...) with opts->args and the flags
 * applied over it.
 */
long exec_process_pack(const struct kata_exec_options *opts, const struct container_state *st,
		       uint8_t **ret_buf, struct kata_error *err);

#endif
