/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI <-> monitor protocol over a SOCK_SEQPACKET unix socket, <state dir>/monitor.sock
 * (0600 in a 0700 directory). Every message is one packet: a fixed header followed by up to
 * CONTROL_MAX_PAYLOAD bytes of payload (header.payload_len of them). A request may carry up to
 * CONTROL_MAX_FDS file descriptors as SCM_RIGHTS (exec passes the stdio the process gets).
 *
 * Most requests get exactly one reply and the connection ends. CONTROL_EXEC keeps the
 * connection as the exec's session: the monitor answers EXEC_STARTED (or an error), the
 * caller may then send EXEC_SIGNAL / EXEC_RESIZE packets, and the monitor ends with one
 * EXEC_EXITED reply carrying the process's exit status (128+signal when it was killed).
 */
#ifndef KATA_CONTROL_H
#define KATA_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "kata.h"

#define CONTROL_MAX_PAYLOAD (60 * 1024)
#define CONTROL_MAX_FDS	    3

enum control_op {
	CONTROL_START = 1,
	CONTROL_KILL = 2,	 /* signal, all */
	CONTROL_EXEC = 3,	 /* payload: packed grpc.Process; fds: stdin, stdout, stderr */
	CONTROL_EXEC_SIGNAL = 4, /* on an exec session: signal */
	CONTROL_EXEC_RESIZE = 5, /* on an exec session: rows, cols */
	CONTROL_PAUSE = 6,
	CONTROL_RESUME = 7,
	CONTROL_PS = 8,	    /* payload: the format ("json" or "table"); reply: the listing */
	CONTROL_UPDATE = 9, /* payload: packed grpc.LinuxResources */
	CONTROL_STATS = 10, /* reply payload: packed grpc.StatsContainerResponse */
	CONTROL_EVENTS = 11, /* fds: a pipe's write end, which gets one JSON line per event */
};

struct control_request {
	uint32_t op;
	int32_t signal;
	uint32_t all;
	uint16_t rows, cols;
	uint32_t payload_len;
};

enum control_reply_kind {
	CONTROL_REPLY_DONE = 0,
	CONTROL_REPLY_EXEC_STARTED = 1,
	CONTROL_REPLY_EXEC_EXITED = 2,
};

struct control_reply {
	int32_t status; /* 0 or an errno */
	uint32_t kind;
	int32_t exit_status; /* EXEC_EXITED */
	uint32_t payload_len;
	char msg[1000];
};

/* Binds and listens on <dir>/monitor.sock; returns the listening fd. */
int control_listen(const char *dir, struct kata_error *err);

/* Connects to the monitor of dir; returns an O_CLOEXEC SOCK_SEQPACKET fd. */
int control_connect(const char *dir, struct kata_error *err);

/* Sends one request packet with its payload and fds. */
int control_send_request(int fd, const struct control_request *req, const void *payload,
			 const int *fds, size_t n_fds);

/*
 * Receives one request packet. *ret_payload (malloc'ed, NUL-terminated, may be NULL when
 * empty) holds req->payload_len bytes; fds received land in ret_fds (the rest stay -1).
 * Returns 0, -EPIPE on hang-up, or -EBADMSG for a malformed packet (its fds are closed).
 */
int control_recv_request(int fd, struct control_request *req, char **ret_payload,
			 int ret_fds[CONTROL_MAX_FDS]);

/* Sends one reply packet; msg may be NULL. */
int control_send_reply(int fd, int status, enum control_reply_kind kind, int exit_status,
		       const char *msg, const void *payload, size_t payload_len);

/*
 * Waits up to timeout_ms (-1: forever) for one reply packet. A reply with a non-zero status
 * fails with that errno and its message. *ret_payload (if not NULL) receives the payload
 * (malloc'ed, NUL-terminated) and *ret_len its length.
 */
int control_recv_reply(int fd, int timeout_ms, struct control_reply *ret, char **ret_payload,
		       size_t *ret_len, struct kata_error *err);

/* One request, one reply: connects, sends req (payload_len from len), returns the reply's
 * payload in *ret_payload / *ret_len when not NULL. */
int control_call_payload(const char *dir, struct control_request *req, const void *payload,
			 size_t len, int timeout_ms, char **ret_payload, size_t *ret_len,
			 struct kata_error *err);

/* A request without payload whose reply carries none. */
int control_call(const char *dir, const struct control_request *req, int timeout_ms,
		 struct kata_error *err);

#endif
