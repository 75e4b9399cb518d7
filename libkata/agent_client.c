/* SPDX-License-Identifier: Apache-2.0 */
#include "agent_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "ttrpc.pb-c.h"

struct agent_call {
	uint32_t stream_id;
	const ProtobufCMessageDescriptor *reply_desc;
	agent_reply_fn fn;
	void *data;
	struct agent_call *next;
};

void agent_client_init(struct agent_client *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->write_timeout_ms = AGENT_WRITE_TIMEOUT_MS;
	c->next_stream = 1;
	ttrpc_reader_init(&c->reader);
}

void agent_client_close(struct agent_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ttrpc_reader_reset(&c->reader);
	while (c->calls) {
		struct agent_call *call = c->calls;
		c->calls = call->next;
		if (call->fn)
			call->fn(call->data, TTRPC_UNAVAILABLE, "the agent connection is closed",
				 NULL);
		free(call);
	}
}

int agent_call(struct agent_client *c, const char *service, const char *method,
	       const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
	       agent_reply_fn fn, void *data)
{
	if (c->fd < 0)
		return -ENOTCONN;
	struct agent_call *call = calloc(1, sizeof(*call));
	if (!call)
		return -ENOMEM;
	/* ttrpc clients use odd stream ids. */
	call->stream_id = c->next_stream;
	c->next_stream += 2;
	call->reply_desc = reply_desc;
	call->fn = fn;
	call->data = data;
	cleanup_free uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_request(service, method, req, 0, &frame);
	int rc = len < 0 ? (int)len
			 : ttrpc_write_frame_within(c->fd, call->stream_id, TTRPC_TYPE_REQUEST,
						    frame, (size_t)len, c->write_timeout_ms);
	if (rc < 0) {
		/* Part of the frame may be out: nothing more can be framed on this stream. The
		 * reader sees the end of it and the owner closes the connection. */
		if (rc != -ENOMEM && rc != -EMSGSIZE)
			shutdown(c->fd, SHUT_RDWR);
		free(call);
		return rc;
	}
	call->next = c->calls;
	c->calls = call;
	return 0;
}

/* A NULL callback means fire-and-forget. */
static void complete(struct agent_call *call, int code, const char *message,
		     ProtobufCMessage *reply)
{
	if (call->fn)
		call->fn(call->data, code, message, reply);
}

static struct agent_call *take_call(struct agent_client *c, uint32_t stream_id)
{
	for (struct agent_call **p = &c->calls; *p; p = &(*p)->next) {
		if ((*p)->stream_id == stream_id) {
			struct agent_call *call = *p;
			*p = call->next;
			return call;
		}
	}
	return NULL;
}

/* Longest guest error message passed on; the rest is cut. */
#define AGENT_MESSAGE_MAX 512

/*
 * The guest is untrusted and its error messages reach the user's terminal and the log: cut
 * them short and replace control characters (newlines, escape sequences) so a guest can
 * neither forge log lines nor drive the terminal.
 */
static void sanitize_message(char *s)
{
	size_t i = 0;
	for (; s[i] && i < AGENT_MESSAGE_MAX; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	/* Only written when cutting: an absent message is protobuf-c's read-only "". */
	if (s[i])
		s[i] = '\0';
}

static void dispatch(struct agent_client *c, const struct ttrpc_frame_header *h,
		     const uint8_t *payload)
{
	if (h->type != TTRPC_TYPE_RESPONSE)
		return;
	struct agent_call *call = take_call(c, h->stream_id);
	if (!call)
		return; /* not ours: ignore rather than trust the guest */
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, h->length, payload);
	if (!resp) {
		complete(call, TTRPC_INTERNAL, "malformed response from the agent", NULL);
	} else if (resp->status && resp->status->code != 0) {
		char *message = resp->status->message;
		if (message)
			sanitize_message(message);
		complete(call, resp->status->code, message ? message : "", NULL);
	} else {
		ProtobufCMessage *reply = protobuf_c_message_unpack(
		    call->reply_desc, NULL, resp->payload.len, resp->payload.data);
		if (!reply)
			complete(call, TTRPC_INTERNAL, "malformed reply from the agent", NULL);
		else
			complete(call, 0, NULL, reply);
		if (reply)
			protobuf_c_message_free_unpacked(reply, NULL);
	}
	if (resp)
		ttrpc__response__free_unpacked(resp, NULL);
	free(call);
}

int agent_client_process(struct agent_client *c)
{
	if (c->fd < 0)
		return -EPIPE;
	for (;;) {
		struct ttrpc_frame_header h;
		uint8_t *payload = NULL;
		int rc = ttrpc_reader_read(&c->reader, c->fd, &h, &payload);
		if (rc <= 0)
			return rc;
		dispatch(c, &h, payload);
		free(payload);
	}
}

struct sync_result {
	int done;
	int code;
	char message[512];
	ProtobufCMessage *reply;
	const ProtobufCMessageDescriptor *desc;
};

static void sync_done(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct sync_result *r = data;
	r->done = 1;
	r->code = code;
	if (message)
		snprintf(r->message, sizeof(r->message), "%s", message);
	if (reply) {
		/* The reply is freed after this callback: keep a re-decoded copy. */
		cleanup_free uint8_t *buf = NULL;
		ssize_t len = ttrpc_pack_message(reply, &buf);
		if (len >= 0)
			r->reply = protobuf_c_message_unpack(r->desc, NULL, (size_t)len, buf);
		if (!r->reply) {
			r->code = TTRPC_INTERNAL;
			snprintf(r->message, sizeof(r->message), "out of memory");
		}
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int agent_call_sync(struct agent_client *c, const char *service, const char *method,
		    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
		    ProtobufCMessage **ret_reply, int timeout_ms, struct kata_error *err)
{
	struct sync_result r = {.desc = reply_desc};
	uint32_t stream_id = c->next_stream;
	int rc = agent_call(c, service, method, req, reply_desc, sync_done, &r);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "send %s to the agent", method);
	long long deadline = now_ms() + timeout_ms;
	while (!r.done) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			/* Forget the call so a late reply cannot touch this stack frame. */
			free(take_call(c, stream_id));
			return kata_fail(err, ETIMEDOUT, "the agent did not answer %s within %d ms",
					 method, timeout_ms);
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return kata_fail_errno(err, errno, "poll");
		if (n > 0) {
			rc = agent_client_process(c);
			if (rc < 0 && !r.done) {
				agent_client_close(c);
				if (rc == -EMSGSIZE)
					return kata_fail(
					    err, EMSGSIZE,
					    "the agent sent a frame over %u bytes during %s",
					    TTRPC_MAX_MESSAGE_LEN, method);
				return kata_fail(err, EPIPE, "lost the agent connection during %s",
						 method);
			}
		}
	}
	if (r.code != 0) {
		if (r.reply)
			protobuf_c_message_free_unpacked(r.reply, NULL);
		return kata_fail(err, r.code == TTRPC_NOT_FOUND ? ENOENT : EIO, "%s", r.message);
	}
	if (ret_reply)
		*ret_reply = r.reply;
	else if (r.reply)
		protobuf_c_message_free_unpacked(r.reply, NULL);
	return 0;
}
