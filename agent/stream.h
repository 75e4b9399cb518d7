/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's stdio as seen by the host: deferred ReadStdout/ReadStderr requests on an output
 * stream, and queued WriteStdin data on the input stream. Both fds are non-blocking.
 */
#ifndef AGENT_STREAM_H
#define AGENT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "rpc.h"

#define STREAM_READ_MAX (1u << 20)

struct read_op {
	struct read_op *next;
	struct rpc_call call;
	uint32_t len;
};

struct out_stream {
	struct watch w; /* read end; -1 before attach and once EOF was reached */
	bool attached;	/* requests before that wait (a terminal arrives after setup) */
	bool eof;
	bool is_pty; /* a pty master reports EIO once every slave fd is closed: that is EOF */
	const char *name;
	struct read_op *ops, **ops_tail;
};

struct write_op {
	struct write_op *next;
	struct rpc_call call;
	uint8_t *data;
	size_t len, off;
};

struct in_stream {
	struct watch w; /* write end, -1 before attach, or when there is none or it was closed */
	bool attached;
	bool closed; /* CloseStdin was requested: no new writes are accepted */
	bool is_pty;
	struct write_op *ops, **ops_tail;
};

void out_stream_init(struct out_stream *s, bool is_pty, const char *name);
/* Gives the stream its fd; fd < 0: there is none, reads see EOF (stderr of a terminal). */
void out_stream_attach(struct out_stream *s, int fd);
/* Replies with up to len bytes as soon as any are available, or with no data at EOF. */
void out_stream_read(struct out_stream *s, const struct rpc_call *call, uint32_t len);
/* Forgets requests of host connections other than generation. */
void out_stream_drop_stale(struct out_stream *s, unsigned generation);
/* Fails pending requests with why, closes the fd. */
void out_stream_destroy(struct out_stream *s, const char *why);

void in_stream_init(struct in_stream *s, bool is_pty);
/* Gives the stream its fd and writes what was queued before. */
void in_stream_attach(struct in_stream *s, int fd);
/* Queues data; the reply (WriteStreamResponse.len) is sent once all of it was written. */
void in_stream_write(struct in_stream *s, const struct rpc_call *call, const uint8_t *data,
		     size_t len);
/* No more writes: a pipe is closed once queued data is written; a pty is left open. */
void in_stream_close(struct in_stream *s);
void in_stream_destroy(struct in_stream *s, const char *why);

#endif
