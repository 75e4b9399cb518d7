/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A QMP client: greeting, qmp_capabilities, commands matched to replies by id, and
 * asynchronous events (SHUTDOWN, STOP, ...) queued as they arrive between replies.
 */
#ifndef KATA_QMP_H
#define KATA_QMP_H

#include "kata.h"

struct qmp;

/* Connects to the QMP unix socket (retrying until timeout_ms) and negotiates capabilities. */
int qmp_connect(const char *socket_path, int timeout_ms, struct qmp **ret, struct kata_error *err);

/*
 * Runs `command` with optional JSON object `args_json`; on success *ret_return_json (if not
 * NULL) is the malloc'ed JSON of the "return" member. A QMP "error" reply fails with its desc.
 */
int qmp_execute(struct qmp *q, const char *command, const char *args_json, char **ret_return_json,
		int timeout_ms, struct kata_error *err);

/* Pops the oldest queued event name (malloc'ed) into *ret_event; returns 1, or 0 if none. */
int qmp_next_event(struct qmp *q, char **ret_event);

/* The socket fd, for callers that poll it for events. */
int qmp_fd(const struct qmp *q);

/* Reads whatever is available without blocking and queues events; -EPIPE when QEMU is gone. */
int qmp_poll_events(struct qmp *q);

/* Closes the connection; accepts NULL and returns NULL. */
struct qmp *qmp_close(struct qmp *q);

/* Creates a client over an already-connected fd (takes ownership; used by tests). */
int qmp_from_fd(int fd, int timeout_ms, struct qmp **ret, struct kata_error *err);

#endif
