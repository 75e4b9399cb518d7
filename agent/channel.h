/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host<->agent byte stream: a virtio-serial port named agent.channel.0, or one accepted
 * AF_VSOCK connection on port 1024. Incoming frames go to a callback; outgoing frames are
 * queued and written as the host takes them, so a slow or absent host never blocks the agent.
 *
 * Each host connection has a generation number; requests remember theirs, and replies to a
 * connection that has gone are dropped instead of reaching its successor.
 */
#ifndef AGENT_CHANNEL_H
#define AGENT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "cmdline.h"
#include "ttrpc.h"

#define AGENT_SERIAL_PORT_NAME "agent.channel.0"
#define AGENT_VSOCK_PORT       1024

struct channel_callbacks {
	/* A whole frame; payload is malloc'ed (or NULL when empty) and owned by the callee. */
	void (*frame)(const struct ttrpc_frame_header *h, uint8_t *payload);
	/* The host went away: deferred requests of the old connection must be dropped. */
	void (*disconnect)(void);
};

/* Finds and opens the channel (waiting up to ~10 s for a virtio port) and starts serving. */
int channel_open(enum channel_kind kind, const struct channel_callbacks *cb);

/* The current host connection's generation. */
unsigned channel_generation(void);

/* Queues one frame (copied) for the current connection and writes what the host takes. */
int channel_send_frame(uint32_t stream_id, uint8_t type, const uint8_t *payload, size_t len);

/* Queues a ttrpc.Response: msg when code is TTRPC_OK, else the status code and message. */
int channel_send_response(uint32_t stream_id, int32_t code, const char *message,
			  const ProtobufCMessage *msg);

/* From now on writes wait until the host took the data: for the last reply before power off. */
void channel_make_writes_synchronous(void);

#endif
