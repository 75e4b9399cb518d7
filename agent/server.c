/* SPDX-License-Identifier: Apache-2.0 */
#include "server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "cleanup.h"
#include "container.h"
#include "log.h"
#include "oom.h"
#include "rpc.h"
#include "ttrpc.pb-c.h"

struct service {
	const char *name;
	const struct rpc_method *methods;
};

static const struct service services[] = {
    {"grpc.Health", health_methods},
    {"grpc.AgentService", agent_methods},
};

int rpc_call_alive(const struct rpc_call *call)
{
	return call->generation == channel_generation();
}

static void send_reply(const struct rpc_call *call, int code, const char *message,
		       const ProtobufCMessage *msg)
{
	if (!rpc_call_alive(call)) {
		log_debug("reply to stream %u dropped: its host connection is gone",
			  call->stream_id);
		return;
	}
	int rc = channel_send_response(call->stream_id, code, message, msg);
	if (rc < 0)
		log_warn("reply to stream %u: %s", call->stream_id, strerror(-rc));
}

void rpc_reply_ok(const struct rpc_call *call, const ProtobufCMessage *msg)
{
	send_reply(call, TTRPC_OK, NULL, msg);
}

void rpc_reply_error(const struct rpc_call *call, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("stream %u: error %d: %s", call->stream_id, code, msg);
	send_reply(call, code, msg, NULL);
}

static rpc_handler find_handler(const char *service, const char *method, bool *ret_service_known)
{
	*ret_service_known = false;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		if (strcmp(services[i].name, service) != 0)
			continue;
		*ret_service_known = true;
		for (const struct rpc_method *m = services[i].methods; m->name; m++)
			if (strcmp(m->name, method) == 0)
				return m->fn;
	}
	return NULL;
}

void server_handle_frame(const struct ttrpc_frame_header *h, uint8_t *payload)
{
	cleanup_free uint8_t *owned = payload;
	struct rpc_call call = {.stream_id = h->stream_id, .generation = channel_generation()};

	if (h->type != TTRPC_TYPE_REQUEST) {
		/* Streaming DATA frames are not part of this agent's API. */
		log_warn("ignoring ttrpc frame of type %u on stream %u", h->type, h->stream_id);
		return;
	}
	Ttrpc__Request *req = ttrpc__request__unpack(NULL, h->length, payload);
	if (!req) {
		rpc_reply_error(&call, TTRPC_INVALID_ARGUMENT, "cannot decode ttrpc.Request");
		return;
	}
	bool service_known;
	rpc_handler fn = find_handler(req->service, req->method, &service_known);
	log_debug("stream %u: %s/%s", h->stream_id, req->service, req->method);
	if (!fn) {
		if (service_known)
			rpc_reply_error(&call, TTRPC_UNIMPLEMENTED,
					"method %s/%s is not implemented", req->service,
					req->method);
		else
			rpc_reply_error(&call, TTRPC_UNIMPLEMENTED, "service %s is not implemented",
					req->service);
	} else {
		fn(&call, req->payload.data, req->payload.len);
	}
	ttrpc__request__free_unpacked(req, NULL);
}

void server_handle_disconnect(void)
{
	containers_drop_stale_requests(channel_generation());
	oom_drop_stale(channel_generation());
}
