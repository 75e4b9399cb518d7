/* SPDX-License-Identifier: Apache-2.0 */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "cleanup.h"
#include "log.h"

/* --- output: ReadStdout / ReadStderr ----------------------------------------------------- */

static void out_ready(struct watch *w, uint32_t events);

void out_stream_init(struct out_stream *s, bool is_pty, const char *name)
{
	s->w.fd = -1;
	s->w.events = 0;
	s->w.fn = out_ready;
	s->attached = false;
	s->eof = false;
	s->is_pty = is_pty;
	s->name = name;
	s->ops = NULL;
	s->ops_tail = &s->ops;
}

static struct read_op *pop_read(struct out_stream *s)
{
	struct read_op *op = s->ops;
	if (op) {
		s->ops = op->next;
		if (!s->ops)
			s->ops_tail = &s->ops;
	}
	return op;
}

/* Watch the fd only while someone waits: a closed pipe reports EPOLLHUP forever. */
static void update_watch(struct out_stream *s)
{
	if (s->w.fd >= 0)
		loop_watch(&s->w, s->ops ? EPOLLIN : 0);
}

static void reply_data(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	Grpc__ReadStreamResponse resp = GRPC__READ_STREAM_RESPONSE__INIT;
	resp.data.data = (uint8_t *)data;
	resp.data.len = len;
	rpc_reply_ok(call, &resp.base);
}

static void reached_eof(struct out_stream *s)
{
	log_debug("%s: EOF", s->name);
	loop_unwatch(&s->w);
	if (s->w.fd >= 0)
		close(s->w.fd);
	s->w.fd = -1;
	s->eof = true;
	struct read_op *op;
	while ((op = pop_read(s))) {
		reply_data(&op->call, NULL, 0);
		free(op);
	}
}

/* Serves the oldest request; returns false when the fd had nothing (EAGAIN). */
static bool serve_one(struct out_stream *s)
{
	struct read_op *op = s->ops;
	size_t want = op->len && op->len < STREAM_READ_MAX ? op->len : STREAM_READ_MAX;
	cleanup_free uint8_t *buf = malloc(want);
	if (!buf) {
		rpc_reply_error(&op->call, TTRPC_INTERNAL, "read %s: out of memory", s->name);
		free(pop_read(s));
		return true;
	}
	ssize_t n;
	do
		n = read(s->w.fd, buf, want);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		reply_data(&op->call, buf, (size_t)n);
		free(pop_read(s));
		return true;
	}
	if (n < 0 && errno == EAGAIN)
		return false;
	if (n < 0 && !(s->is_pty && errno == EIO))
		log_warn("read %s: %s; reporting EOF", s->name, strerror(errno));
	reached_eof(s);
	return true;
}

static void out_ready(struct watch *w, uint32_t events)
{
	struct out_stream *s = (struct out_stream *)w;
	if (s->ops)
		serve_one(s);
	update_watch(s);
}

void out_stream_attach(struct out_stream *s, int fd)
{
	s->attached = true;
	s->w.fd = fd;
	if (fd < 0) {
		reached_eof(s);
		return;
	}
	if (s->ops)
		serve_one(s);
	update_watch(s);
}

void out_stream_read(struct out_stream *s, const struct rpc_call *call, uint32_t len)
{
	if (s->eof && !s->ops) {
		reply_data(call, NULL, 0);
		return;
	}
	struct read_op *op = calloc(1, sizeof(*op));
	if (!op) {
		rpc_reply_error(call, TTRPC_INTERNAL, "read %s: out of memory", s->name);
		return;
	}
	op->call = *call;
	op->len = len;
	*s->ops_tail = op;
	s->ops_tail = &op->next;
	if (!s->attached)
		return;
	/* Answer at once when data is already there; only then wait for EPOLLIN. */
	if (op == s->ops)
		serve_one(s);
	update_watch(s);
}

void out_stream_drop_stale(struct out_stream *s, unsigned generation)
{
	struct read_op **pp = &s->ops;
	while (*pp) {
		struct read_op *op = *pp;
		if (op->call.generation != generation) {
			*pp = op->next;
			free(op);
		} else {
			pp = &op->next;
		}
	}
	s->ops_tail = pp;
	update_watch(s);
}

void out_stream_destroy(struct out_stream *s, const char *why)
{
	struct read_op *op;
	while ((op = pop_read(s))) {
		rpc_reply_error(&op->call, TTRPC_NOT_FOUND, "%s", why);
		free(op);
	}
	loop_unwatch(&s->w);
	if (s->w.fd >= 0)
		close(s->w.fd);
	s->w.fd = -1;
	s->eof = true;
}

/* --- input: WriteStdin / CloseStdin ------------------------------------------------------ */

static void in_ready(struct watch *w, uint32_t events);

void in_stream_init(struct in_stream *s, bool is_pty)
{
	s->w.fd = -1;
	s->w.events = 0;
	s->w.fn = in_ready;
	s->attached = false;
	s->closed = false;
	s->is_pty = is_pty;
	s->ops = NULL;
	s->ops_tail = &s->ops;
}

static struct write_op *pop_write(struct in_stream *s)
{
	struct write_op *op = s->ops;
	if (op) {
		s->ops = op->next;
		if (!s->ops)
			s->ops_tail = &s->ops;
	}
	return op;
}

static void free_write(struct write_op *op)
{
	free(op->data);
	free(op);
}

static void fail_writes(struct in_stream *s, int code, const char *msg)
{
	struct write_op *op;
	while ((op = pop_write(s))) {
		rpc_reply_error(&op->call, code, "%s", msg);
		free_write(op);
	}
}

static void close_pipe_if_done(struct in_stream *s)
{
	/* A pty master also carries the output, so closing stdin never closes it. */
	if (!s->closed || s->ops || s->is_pty || s->w.fd < 0)
		return;
	loop_unwatch(&s->w);
	close(s->w.fd);
	s->w.fd = -1;
}

/* Writes queued data until EAGAIN; replies to each request once its data is all written. */
static void flush_writes(struct in_stream *s)
{
	while (s->ops) {
		struct write_op *op = s->ops;
		while (op->off < op->len) {
			ssize_t n = write(s->w.fd, op->data + op->off, op->len - op->off);
			if (n >= 0) {
				op->off += (size_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				loop_watch(&s->w, EPOLLOUT);
				return;
			}
			char msg[128];
			snprintf(msg, sizeof(msg), "write to stdin: %s", strerror(errno));
			fail_writes(s,
				    errno == EPIPE || errno == EIO ? TTRPC_FAILED_PRECONDITION
								   : TTRPC_INTERNAL,
				    msg);
			loop_unwatch(&s->w);
			return;
		}
		Grpc__WriteStreamResponse resp = GRPC__WRITE_STREAM_RESPONSE__INIT;
		resp.len = (uint32_t)op->len;
		rpc_reply_ok(&op->call, &resp.base);
		free_write(pop_write(s));
	}
	loop_unwatch(&s->w);
	close_pipe_if_done(s);
}

static void in_ready(struct watch *w, uint32_t events)
{
	flush_writes((struct in_stream *)w);
}

void in_stream_attach(struct in_stream *s, int fd)
{
	s->attached = true;
	s->w.fd = fd;
	if (fd < 0) {
		fail_writes(s, TTRPC_FAILED_PRECONDITION, "the process has no stdin");
		return;
	}
	if (s->ops)
		flush_writes(s);
	else
		close_pipe_if_done(s);
}

void in_stream_write(struct in_stream *s, const struct rpc_call *call, const uint8_t *data,
		     size_t len)
{
	if (s->closed || (s->attached && s->w.fd < 0)) {
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION, "stdin is closed");
		return;
	}
	struct write_op *op = calloc(1, sizeof(*op));
	if (!op || (len && !(op->data = malloc(len)))) {
		free(op);
		rpc_reply_error(call, TTRPC_INTERNAL, "write to stdin: out of memory");
		return;
	}
	if (len)
		memcpy(op->data, data, len);
	op->len = len;
	op->call = *call;
	*s->ops_tail = op;
	s->ops_tail = &op->next;
	if (op == s->ops && s->attached)
		flush_writes(s);
}

void in_stream_close(struct in_stream *s)
{
	s->closed = true;
	if (s->attached)
		close_pipe_if_done(s);
}

void in_stream_destroy(struct in_stream *s, const char *why)
{
	fail_writes(s, TTRPC_NOT_FOUND, why);
	loop_unwatch(&s->w);
	if (s->w.fd >= 0)
		close(s->w.fd);
	s->w.fd = -1;
	s->closed = true;
}
