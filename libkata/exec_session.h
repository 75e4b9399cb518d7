/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's end of an exec session on the monitor's control socket (see control.h). */
#ifndef KATA_EXEC_SESSION_H
#define KATA_EXEC_SESSION_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "kata.h"

/* Connects to the monitor of dir, sends the packed process with stdio fds[3], and waits until
 * the process started; returns the session fd. */
int exec_session_open(const char *dir, const uint8_t *process, size_t len, const int fds[3],
		      struct kata_error *err);

/* Queued to a stand-in with the signal to pass on as its value (see kata_exec_signal): the
 * way to send signals it cannot catch itself, SIGKILL and SIGSTOP. */
#define EXEC_SESSION_RELAY_SIGNAL (SIGRTMIN + 3)

/* The signals exec_session_wait relays (and so blocks). */
void exec_session_signals(sigset_t *set);

/*
 * Relays the signals this process receives to the exec (SIGWINCH as a resize of tty_fd when
 * it is >= 0) until the monitor reports the exit status, stored in *ret_status. The signals
 * are blocked meanwhile and the caller's mask is restored afterwards.
 */
int exec_session_wait(int conn, int tty_fd, int *ret_status, struct kata_error *err);

#endif
