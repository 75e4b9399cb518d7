/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The controlling terminal of a Process.Terminal process, made by the child itself from the
 * container's own /dev/ptmx (its devpts instance), so the process sees /dev/pts/N as runc's
 * do. The master goes back to the agent with the ready report.
 */
#ifndef AGENT_TERMINAL_H
#define AGENT_TERMINAL_H

#include <stdbool.h>

#include "error.h"
#include "oci.pb-c.h"

/*
 * Opens a pty in the current root, applies ConsoleSize, makes the slave the controlling
 * terminal and stdin/stdout/stderr, and with bind_console bind-mounts it on /dev/console.
 * Returns the master (close-on-exec) or -errno.
 */
int terminal_setup(const Grpc__Process *p, bool bind_console, struct kata_error *err);

#endif
