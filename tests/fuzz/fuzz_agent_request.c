/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's side of the channel: its resynchronising frame reader (agent/frame_reader.c) fed
 * by the host in chunks, with the oversized-frame skip channel.c performs, and every request
 * decoded as server.c and the handlers do: ttrpc.Request, then the method's own request type.
 * The handlers themselves mount, fork and signal, so they are not run; the decode of every
 * AgentService and Health request type is, by method name as server.c dispatches it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "frame_reader.h"
#include "fuzz_common.h"
#include "health.pb-c.h"
#include "io.h"
#include "ttrpc.pb-c.h"

struct method {
	const char *service, *name;
	const ProtobufCMessageDescriptor *desc;
};

/* As agent/rpc_sandbox.c and agent/rpc_health.c register them. */
static const struct method methods[] = {
    {"grpc.Health", "Check", &grpc__check_request__descriptor},
    {"grpc.Health", "Version", &grpc__check_request__descriptor},
    {"grpc.AgentService", "CreateSandbox", &grpc__create_sandbox_request__descriptor},
    {"grpc.AgentService", "DestroySandbox", &grpc__destroy_sandbox_request__descriptor},
    {"grpc.AgentService", "CreateContainer", &grpc__create_container_request__descriptor},
    {"grpc.AgentService", "StartContainer", &grpc__start_container_request__descriptor},
    {"grpc.AgentService", "RemoveContainer", &grpc__remove_container_request__descriptor},
    {"grpc.AgentService", "ExecProcess", &grpc__exec_process_request__descriptor},
    {"grpc.AgentService", "SignalProcess", &grpc__signal_process_request__descriptor},
    {"grpc.AgentService", "WaitProcess", &grpc__wait_process_request__descriptor},
    {"grpc.AgentService", "WriteStdin", &grpc__write_stream_request__descriptor},
    {"grpc.AgentService", "ReadStdout", &grpc__read_stream_request__descriptor},
    {"grpc.AgentService", "ReadStderr", &grpc__read_stream_request__descriptor},
    {"grpc.AgentService", "CloseStdin", &grpc__close_stdin_request__descriptor},
    {"grpc.AgentService", "TtyWinResize", &grpc__tty_win_resize_request__descriptor},
    {"grpc.AgentService", "UpdateContainer", &grpc__update_container_request__descriptor},
    {"grpc.AgentService", "StatsContainer", &grpc__stats_container_request__descriptor},
    {"grpc.AgentService", "PauseContainer", &grpc__pause_container_request__descriptor},
    {"grpc.AgentService", "ResumeContainer", &grpc__resume_container_request__descriptor},
    {"grpc.AgentService", "ListProcesses", &grpc__list_processes_request__descriptor},
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static void decode_as(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, data);
	if (!m)
		return;
	/* Re-pack: walks every decoded field, so ASan checks what a handler would read. */
	uint8_t *buf = NULL;
	if (ttrpc_pack_message(m, &buf) >= 0)
		free(buf);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void handle_frame(const struct ttrpc_frame_header *h, const uint8_t *payload)
{
	if (h->type != TTRPC_TYPE_REQUEST)
		return;
	Ttrpc__Request *req = ttrpc__request__unpack(NULL, h->length, payload);
	if (!req)
		return;
	for (size_t i = 0; i < N_METHODS; i++)
		if (strcmp(req->service, methods[i].service) == 0 &&
		    strcmp(req->method, methods[i].name) == 0)
			decode_as(methods[i].desc, req->payload.data, req->payload.len);
	ttrpc__request__free_unpacked(req, NULL);
}

/* channel.c's read loop: frames until EAGAIN, oversized frames skipped by their length. */
static int agent_drain(struct frame_reader *r, int fd, size_t *discard)
{
	for (;;) {
		if (*discard) {
			uint8_t sink[4096];
			ssize_t n = io_read_some(fd, sink,
						 *discard < sizeof(sink) ? *discard : sizeof(sink));
			if (n <= 0)
				return (int)n;
			*discard -= (size_t)n;
			continue;
		}
		struct ttrpc_frame_header h;
		uint8_t *payload = NULL;
		int rc = frame_reader_read(r, fd, &h, &payload);
		if (rc == -EMSGSIZE) {
			if (r->h.length <= TTRPC_MAX_MESSAGE_LEN)
				abort(); /* refused a frame within the limit */
			*discard = r->h.length;
			frame_reader_reset(r);
			continue;
		}
		if (rc <= 0)
			return rc;
		if (!frame_header_plausible(&h) || h.length > TTRPC_MAX_MESSAGE_LEN)
			abort(); /* the resync let through a header it should have skipped */
		handle_frame(&h, payload);
		free(payload);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Every request type decoded straight from the raw input, too: most of the input space
	 * never survives framing. */
	if (size > 0)
		decode_as(methods[data[0] % N_METHODS].desc, data + 1, size - 1);

	size_t chunk = fuzz_chunk(&data, &size);
	int sv[2];
	if (fuzz_socketpair(sv) < 0)
		return 0;
	struct frame_reader r;
	frame_reader_init(&r);
	size_t discard = 0;
	int rc = 0;
	for (size_t off = 0; off < size && rc >= 0; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (write(sv[1], data + off, n) != (ssize_t)n)
			break;
		rc = agent_drain(&r, sv[0], &discard);
	}
	if (rc >= 0) {
		shutdown(sv[1], SHUT_WR);
		if (agent_drain(&r, sv[0], &discard) == 0)
			abort(); /* the end of the stream must be reported */
	}
	frame_reader_reset(&r);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
