/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ttrpc framing shared by the host (client) and the guest agent (server).
 * A frame is a 10-byte header - u32 BE payload length, u32 BE stream id, u8 type, u8 flags -
 * followed by the payload: a protobuf ttrpc.Request or ttrpc.Response.
 */
#ifndef KATA_TTRPC_H
#define KATA_TTRPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <protobuf-c/protobuf-c.h>

#define TTRPC_HEADER_LEN      10
#define TTRPC_MAX_MESSAGE_LEN (4u << 20) /* as containerd/ttrpc: larger frames are refused */

enum ttrpc_type {
	TTRPC_TYPE_REQUEST = 1,
	TTRPC_TYPE_RESPONSE = 2,
	TTRPC_TYPE_DATA = 3,
};

/* gRPC status codes used in ttrpc.Response.status. */
enum ttrpc_code {
	TTRPC_OK = 0,
	TTRPC_UNKNOWN = 2,
	TTRPC_INVALID_ARGUMENT = 3,
	TTRPC_DEADLINE_EXCEEDED = 4,
	TTRPC_NOT_FOUND = 5,
	TTRPC_ALREADY_EXISTS = 6,
	TTRPC_FAILED_PRECONDITION = 9,
	TTRPC_UNIMPLEMENTED = 12,
	TTRPC_INTERNAL = 13,
	TTRPC_UNAVAILABLE = 14,
};

struct ttrpc_frame_header {
	uint32_t length;
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
};

/* The status code a server answers for an error -errno (or errno): NOT_FOUND for ENOENT,
 * INVALID_ARGUMENT for EINVAL, ..., INTERNAL for anything unmapped. */
int ttrpc_code_from_errno(int err);

void ttrpc_header_pack(const struct ttrpc_frame_header *h, uint8_t out[TTRPC_HEADER_LEN]);

/* Decodes a header; -EMSGSIZE when its length exceeds TTRPC_MAX_MESSAGE_LEN. */
int ttrpc_header_unpack(const uint8_t in[TTRPC_HEADER_LEN], struct ttrpc_frame_header *ret);

/* Incremental frame reader for blocking or non-blocking byte streams. */
struct ttrpc_reader {
	uint8_t hdr[TTRPC_HEADER_LEN];
	size_t hdr_len;
	struct ttrpc_frame_header h;
	uint8_t *payload;
	size_t payload_len;
};

void ttrpc_reader_init(struct ttrpc_reader *r);

/* Drops a partial frame (after the peer reconnects, or on teardown). */
void ttrpc_reader_reset(struct ttrpc_reader *r);

/*
 * Reads what fd has. Returns 1 with a whole frame in *ret_h and *ret_payload (malloc'ed, the
 * caller frees; NULL for an empty payload), 0 when more bytes are needed (EAGAIN), -EPIPE at
 * end of stream, -EMSGSIZE for an oversized frame, or another -errno.
 */
int ttrpc_reader_read(struct ttrpc_reader *r, int fd, struct ttrpc_frame_header *ret_h,
		      uint8_t **ret_payload);

/* Writes a whole frame, waiting out EAGAIN on non-blocking fds. */
int ttrpc_write_frame(int fd, uint32_t stream_id, uint8_t type, const void *payload, size_t len);

/* As ttrpc_write_frame, but waits at most timeout_ms (< 0: forever) for a peer that stops
 * reading: -ETIMEDOUT then, with the frame possibly half written (the stream is unusable). */
int ttrpc_write_frame_within(int fd, uint32_t stream_id, uint8_t type, const void *payload,
			     size_t len, int timeout_ms);

/* Packs a ttrpc.Request frame payload carrying `msg` to service/method; returns its length. */
ssize_t ttrpc_pack_request(const char *service, const char *method, const ProtobufCMessage *msg,
			   int64_t timeout_ns, uint8_t **ret_frame);

/* Sends a ttrpc.Request carrying `msg` to service/method. */
int ttrpc_send_request(int fd, uint32_t stream_id, const char *service, const char *method,
		       const ProtobufCMessage *msg, int64_t timeout_ns);

/* Sends a ttrpc.Response: `msg` when code is TTRPC_OK, else the status code and message. */
int ttrpc_send_response(int fd, uint32_t stream_id, int32_t code, const char *message,
			const ProtobufCMessage *msg);

/* Packs a ttrpc.Response (as ttrpc_send_response sends it) into a malloc'ed frame payload;
 * returns its length or a negative errno. */
ssize_t ttrpc_pack_response(int32_t code, const char *message, const ProtobufCMessage *msg,
			    uint8_t **ret_frame);

/* Packs a protobuf message into a malloc'ed buffer; returns its length or -ENOMEM. */
ssize_t ttrpc_pack_message(const ProtobufCMessage *msg, uint8_t **ret_buf);

#endif
