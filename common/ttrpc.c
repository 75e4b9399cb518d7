/* SPDX-License-Identifier: Apache-2.0 */
#include "ttrpc.h"
#include "io.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "ttrpc.pb-c.h"

void ttrpc_header_pack(const struct ttrpc_frame_header *h, uint8_t out[TTRPC_HEADER_LEN])
{
	uint32_t len = htobe32(h->length), sid = htobe32(h->stream_id);
	memcpy(out, &len, 4);
	memcpy(out + 4, &sid, 4);
	out[8] = h->type;
	out[9] = h->flags;
}

int ttrpc_header_unpack(const uint8_t in[TTRPC_HEADER_LEN], struct ttrpc_frame_header *ret)
{
	uint32_t len, sid;
	memcpy(&len, in, 4);
	memcpy(&sid, in + 4, 4);
	ret->length = be32toh(len);
	ret->stream_id = be32toh(sid);
	ret->type = in[8];
	ret->flags = in[9];
	return ret->length > TTRPC_MAX_MESSAGE_LEN ? -EMSGSIZE : 0;
}

void ttrpc_reader_init(struct ttrpc_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void ttrpc_reader_reset(struct ttrpc_reader *r)
{
	free(r->payload);
	ttrpc_reader_init(r);
}

int ttrpc_reader_read(struct ttrpc_reader *r, int fd, struct ttrpc_frame_header *ret_h,
		      uint8_t **ret_payload)
{
	/* A refused header stays refused: without this, a caller that reads on after
	 * -EMSGSIZE (or -ENOMEM) would read the "payload" into a buffer never allocated. */
	if (r->hdr_len == TTRPC_HEADER_LEN && r->h.length > 0 && !r->payload)
		return r->h.length > TTRPC_MAX_MESSAGE_LEN ? -EMSGSIZE : -ENOMEM;
	while (r->hdr_len < TTRPC_HEADER_LEN) {
		ssize_t n = io_read_some(fd, r->hdr + r->hdr_len, TTRPC_HEADER_LEN - r->hdr_len);
		if (n <= 0)
			return (int)n;
		r->hdr_len += n;
		if (r->hdr_len == TTRPC_HEADER_LEN) {
			int rc = ttrpc_header_unpack(r->hdr, &r->h);
			if (rc < 0)
				return rc;
			if (r->h.length > 0) {
				r->payload = malloc(r->h.length);
				if (!r->payload)
					return -ENOMEM;
			}
		}
	}
	while (r->payload_len < r->h.length) {
		ssize_t n =
		    io_read_some(fd, r->payload + r->payload_len, r->h.length - r->payload_len);
		if (n <= 0)
			return (int)n;
		r->payload_len += n;
	}
	*ret_h = r->h;
	*ret_payload = r->payload;
	r->payload = NULL;
	ttrpc_reader_init(r);
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* deadline_ms < 0: no deadline. */
static int wait_writable(int fd, long long deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	for (;;) {
		int timeout = -1;
		if (deadline_ms >= 0) {
			long long left = deadline_ms - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			timeout = left > 60000 ? 60000 : (int)left;
		}
		int n = poll(&p, 1, timeout);
		if (n > 0)
			return (p.revents & (POLLERR | POLLNVAL)) ? -EPIPE : 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int ttrpc_write_frame(int fd, uint32_t stream_id, uint8_t type, const void *payload, size_t len)
{
	return ttrpc_write_frame_within(fd, stream_id, type, payload, len, -1);
}

int ttrpc_write_frame_within(int fd, uint32_t stream_id, uint8_t type, const void *payload,
			     size_t len, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	if (len > TTRPC_MAX_MESSAGE_LEN)
		return -EMSGSIZE;
	uint8_t hdr[TTRPC_HEADER_LEN];
	struct ttrpc_frame_header h = {
	    .length = (uint32_t)len, .stream_id = stream_id, .type = type, .flags = 0};
	ttrpc_header_pack(&h, hdr);

	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)payload, len}};
	int iovcnt = len ? 2 : 1;
	struct iovec *v = iov;
	while (iovcnt > 0) {
		ssize_t n = writev(fd, v, iovcnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				int rc = wait_writable(fd, deadline);
				if (rc < 0)
					return rc;
				continue;
			}
			return -errno;
		}
		while (iovcnt > 0 && (size_t)n >= v->iov_len) {
			n -= v->iov_len;
			v++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			v->iov_base = (uint8_t *)v->iov_base + n;
			v->iov_len -= n;
		}
	}
	return 0;
}

ssize_t ttrpc_pack_message(const ProtobufCMessage *msg, uint8_t **ret_buf)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(msg, buf);
	*ret_buf = buf;
	return (ssize_t)len;
}

ssize_t ttrpc_pack_request(const char *service, const char *method, const ProtobufCMessage *msg,
			   int64_t timeout_ns, uint8_t **ret_frame)
{
	cleanup_free uint8_t *inner = NULL;
	ssize_t inner_len = ttrpc_pack_message(msg, &inner);
	if (inner_len < 0)
		return inner_len;

	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = inner;
	req.payload.len = (size_t)inner_len;
	req.timeout_nano = timeout_ns;
	return ttrpc_pack_message(&req.base, ret_frame);
}

int ttrpc_send_request(int fd, uint32_t stream_id, const char *service, const char *method,
		       const ProtobufCMessage *msg, int64_t timeout_ns)
{
	cleanup_free uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_request(service, method, msg, timeout_ns, &frame);
	if (len < 0)
		return (int)len;
	return ttrpc_write_frame(fd, stream_id, TTRPC_TYPE_REQUEST, frame, (size_t)len);
}

ssize_t ttrpc_pack_response(int32_t code, const char *message, const ProtobufCMessage *msg,
			    uint8_t **ret_frame)
{
	cleanup_free uint8_t *inner = NULL;
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	Ttrpc__Status status = TTRPC__STATUS__INIT;

	if (code != TTRPC_OK) {
		status.code = code;
		status.message = (char *)(message ? message : "");
		resp.status = &status;
	} else if (msg) {
		ssize_t inner_len = ttrpc_pack_message(msg, &inner);
		if (inner_len < 0)
			return inner_len;
		resp.payload.data = inner;
		resp.payload.len = (size_t)inner_len;
	}
	return ttrpc_pack_message(&resp.base, ret_frame);
}

int ttrpc_send_response(int fd, uint32_t stream_id, int32_t code, const char *message,
			const ProtobufCMessage *msg)
{
	cleanup_free uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_response(code, message, msg, &frame);
	if (len < 0)
		return (int)len;
	return ttrpc_write_frame(fd, stream_id, TTRPC_TYPE_RESPONSE, frame, (size_t)len);
}

int ttrpc_code_from_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
	case ESRCH:
		return TTRPC_NOT_FOUND;
	case EEXIST:
		return TTRPC_ALREADY_EXISTS;
	case EINVAL:
	case ENAMETOOLONG:
	case E2BIG:
		return TTRPC_INVALID_ARGUMENT;
	case ENOTSUP:
		return TTRPC_UNIMPLEMENTED;
	case ETIMEDOUT:
		return TTRPC_DEADLINE_EXCEEDED;
	case EBUSY:
	case EPIPE:
		return TTRPC_FAILED_PRECONDITION;
	default:
		return TTRPC_INTERNAL;
	}
}
