/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing and envelope round-trips, shared by the host client and the agent. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.pb-c.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

static void test_header_layout(void **state)
{
	(void)state;
	struct ttrpc_frame_header h = {.length = 0x00030405, .stream_id = 7, .type = 2, .flags = 1};
	uint8_t buf[TTRPC_HEADER_LEN];
	ttrpc_header_pack(&h, buf);
	const uint8_t want[] = {0, 3, 4, 5, 0, 0, 0, 7, 2, 1};
	assert_memory_equal(buf, want, sizeof(want));
	struct ttrpc_frame_header back;
	assert_int_equal(ttrpc_header_unpack(buf, &back), 0);
	assert_int_equal(back.length, 0x00030405);
	assert_int_equal(back.stream_id, 7);
	assert_int_equal(back.type, 2);
	assert_int_equal(back.flags, 1);
}

static void test_oversized_frame_rejected(void **state)
{
	(void)state;
	struct ttrpc_frame_header h = {
	    .length = TTRPC_MAX_MESSAGE_LEN + 1, .stream_id = 1, .type = 1};
	uint8_t buf[TTRPC_HEADER_LEN];
	ttrpc_header_pack(&h, buf);
	struct ttrpc_frame_header back;
	assert_int_equal(ttrpc_header_unpack(buf, &back), -EMSGSIZE);

	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[0], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	uint8_t *payload = NULL;
	assert_int_equal(ttrpc_reader_read(&r, sv[1], &back, &payload), -EMSGSIZE);
	ttrpc_reader_reset(&r);
	close(sv[0]);
	close(sv[1]);
}

/* A frame split into single bytes on a non-blocking socket is reassembled exactly. */
static void test_reader_partial_writes(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	uint8_t payload[300];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	int wsv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wsv), 0);
	assert_int_equal(
	    ttrpc_write_frame(wsv[0], 9, TTRPC_TYPE_RESPONSE, payload, sizeof(payload)), 0);
	uint8_t frame[TTRPC_HEADER_LEN + sizeof(payload)];
	assert_int_equal(read(wsv[1], frame, sizeof(frame)), (ssize_t)sizeof(frame));

	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	struct ttrpc_frame_header h;
	uint8_t *got = NULL;
	for (size_t i = 0; i < sizeof(frame); i++) {
		assert_int_equal(ttrpc_reader_read(&r, sv[1], &h, &got), 0);
		assert_int_equal(write(sv[0], frame + i, 1), 1);
	}
	assert_int_equal(ttrpc_reader_read(&r, sv[1], &h, &got), 1);
	assert_int_equal(h.stream_id, 9);
	assert_int_equal(h.type, TTRPC_TYPE_RESPONSE);
	assert_int_equal(h.length, sizeof(payload));
	assert_memory_equal(got, payload, sizeof(payload));
	free(got);
	close(sv[0]);
	assert_int_equal(ttrpc_reader_read(&r, sv[1], &h, &got), -EPIPE);
	close(sv[1]);
	close(wsv[0]);
	close(wsv[1]);
}

/* A request carries service, method and the inner message, all decodable on the other side. */
static void test_request_roundtrip(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	Grpc__SignalProcessRequest req = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
	req.container_id = "c1";
	req.exec_id = "e1";
	req.signal = 15;
	assert_int_equal(
	    ttrpc_send_request(sv[0], 3, "grpc.AgentService", "SignalProcess", &req.base, 0), 0);
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	struct ttrpc_frame_header h;
	uint8_t *payload = NULL;
	assert_int_equal(ttrpc_reader_read(&r, sv[1], &h, &payload), 1);
	assert_int_equal(h.type, TTRPC_TYPE_REQUEST);
	assert_int_equal(h.stream_id, 3);
	Ttrpc__Request *env = ttrpc__request__unpack(NULL, h.length, payload);
	assert_non_null(env);
	assert_string_equal(env->service, "grpc.AgentService");
	assert_string_equal(env->method, "SignalProcess");
	Grpc__SignalProcessRequest *back =
	    grpc__signal_process_request__unpack(NULL, env->payload.len, env->payload.data);
	assert_non_null(back);
	assert_string_equal(back->container_id, "c1");
	assert_string_equal(back->exec_id, "e1");
	assert_int_equal(back->signal, 15);
	grpc__signal_process_request__free_unpacked(back, NULL);
	ttrpc__request__free_unpacked(env, NULL);
	free(payload);
	close(sv[0]);
	close(sv[1]);
}

/* Field numbers are the wire contract with Kata: check the bytes of a known message. */
static void test_agent_field_numbers(void **state)
{
	(void)state;
	Grpc__WaitProcessResponse w = GRPC__WAIT_PROCESS_RESPONSE__INIT;
	w.status = 42;
	uint8_t buf[16];
	size_t n = grpc__wait_process_response__pack(&w, buf);
	const uint8_t want[] = {0x08, 42}; /* field 1, varint */
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, n);

	Grpc__ReadStreamRequest rs = GRPC__READ_STREAM_REQUEST__INIT;
	rs.container_id = "a";
	rs.len = 5;
	n = grpc__read_stream_request__pack(&rs, buf);
	const uint8_t want_rs[] = {0x0a, 1, 'a', 0x18, 5}; /* field 1 string, field 3 varint */
	assert_int_equal(n, sizeof(want_rs));
	assert_memory_equal(buf, want_rs, n);
}

static void test_error_response(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(
	    ttrpc_send_response(sv[0], 5, TTRPC_NOT_FOUND, "container x not found", NULL), 0);
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	struct ttrpc_frame_header h;
	uint8_t *payload = NULL;
	assert_int_equal(ttrpc_reader_read(&r, sv[1], &h, &payload), 1);
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, h.length, payload);
	assert_non_null(resp);
	assert_non_null(resp->status);
	assert_int_equal(resp->status->code, TTRPC_NOT_FOUND);
	assert_string_equal(resp->status->message, "container x not found");
	ttrpc__response__free_unpacked(resp, NULL);
	free(payload);
	close(sv[0]);
	close(sv[1]);
}

/* Agent and shim answer errors with the same codes; -errno and errno map alike. */
static void test_code_from_errno(void **state)
{
	assert_int_equal(ttrpc_code_from_errno(-ENOENT), TTRPC_NOT_FOUND);
	assert_int_equal(ttrpc_code_from_errno(ESRCH), TTRPC_NOT_FOUND);
	assert_int_equal(ttrpc_code_from_errno(-EEXIST), TTRPC_ALREADY_EXISTS);
	assert_int_equal(ttrpc_code_from_errno(-E2BIG), TTRPC_INVALID_ARGUMENT);
	assert_int_equal(ttrpc_code_from_errno(-ENOTSUP), TTRPC_UNIMPLEMENTED);
	assert_int_equal(ttrpc_code_from_errno(-ETIMEDOUT), TTRPC_DEADLINE_EXCEEDED);
	assert_int_equal(ttrpc_code_from_errno(-EBUSY), TTRPC_FAILED_PRECONDITION);
	assert_int_equal(ttrpc_code_from_errno(-EIO), TTRPC_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_layout),
	    cmocka_unit_test(test_oversized_frame_rejected),
	    cmocka_unit_test(test_reader_partial_writes),
	    cmocka_unit_test(test_request_roundtrip),
	    cmocka_unit_test(test_agent_field_numbers),
	    cmocka_unit_test(test_error_response),
	    cmocka_unit_test(test_code_from_errno),
	};
	return cmocka_run_group_tests_name("ttrpc", tests, NULL, NULL);
}
