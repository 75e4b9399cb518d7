/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's ttrpc client for the guest agent. Calls are asynchronous: each request gets an
 * odd stream id and a callback run when its response arrives, so one connection carries
 * several outstanding calls (WaitProcess, ReadStdout, ...) at once. Everything the guest
 * sends is untrusted: frame sizes are bounded and unknown streams are dropped.
 */
#ifndef KATA_AGENT_CLIENT_H
#define KATA_AGENT_CLIENT_H

#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "kata.h"
#include "ttrpc.h"

#define AGENT_SERVICE  "grpc.AgentService"
#define HEALTH_SERVICE "grpc.Health"

/* Called once per call: code 0 with the decoded reply (freed after the callback returns), or a
 * ttrpc/gRPC status code and message with reply NULL. */
typedef void (*agent_reply_fn)(void *data, int code, const char *message, ProtobufCMessage *reply);

struct agent_call;

/* How long a request may wait for a guest that stopped reading its channel. */
#define AGENT_WRITE_TIMEOUT_MS 30000

struct agent_client {
	int fd;
	int write_timeout_ms; /* AGENT_WRITE_TIMEOUT_MS; tests shorten it */
	struct ttrpc_reader reader;
	uint32_t next_stream;
	struct agent_call *calls;
};

/* Takes ownership of a connected, non-blocking channel fd. */
void agent_client_init(struct agent_client *c, int fd);

/* Closes the connection; pending calls complete with TTRPC_UNAVAILABLE. */
void agent_client_close(struct agent_client *c);

/* Sends a request; fn runs when the response arrives. A write that fails (a guest that stopped
 * reading, see write_timeout_ms) shuts the connection down: pending calls then fail. */
int agent_call(struct agent_client *c, const char *service, const char *method,
	       const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
	       agent_reply_fn fn, void *data);

/* Reads and dispatches whatever responses are available; -EPIPE when the agent is gone. */
int agent_client_process(struct agent_client *c);

/* Sends a request and waits up to timeout_ms for its reply (other replies are dispatched
 * meanwhile). On success *ret_reply (if not NULL) holds the decoded reply to free with
 * protobuf_c_message_free_unpacked. */
int agent_call_sync(struct agent_client *c, const char *service, const char *method,
		    const ProtobufCMessage *req, const ProtobufCMessageDescriptor *reply_desc,
		    ProtobufCMessage **ret_reply, int timeout_ms, struct kata_error *err);

/* After a restore from the VM template (agent_restore.c): sets the guest's clock to the
 * host's and reseeds its RNG with host randomness, so clones neither lag nor repeat. */
int agent_after_restore(struct agent_client *c, struct kata_error *err);

#endif
