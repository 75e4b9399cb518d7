/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI <-> monitor protocol: one fixed-size request and one reply per connection over a
 * SOCK_SEQPACKET unix socket, <state dir>/monitor.sock (0600 in a 0700 directory).
 */
#ifndef KATA_CONTROL_H
#define KATA_CONTROL_H

#include <stdint.h>

#include "kata.h"

enum control_op {
	CONTROL_START = 1,
	CONTROL_KILL = 2,
};

struct control_request {
	uint32_t op;
	int32_t signal;
	uint32_t all;
};

struct control_reply {
	int32_t status; /* 0 or an errno */
	char msg[1000];
};

/* Binds and listens on <dir>/monitor.sock; returns the listening fd. */
int control_listen(const char *dir, struct kata_error *err);

/* Sends req to the monitor of dir and waits for its reply (up to timeout_ms). */
int control_call(const char *dir, const struct control_request *req, int timeout_ms,
		 struct kata_error *err);

#endif
