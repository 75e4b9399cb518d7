/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's agent client against a fake agent that misbehaves (issue 7): one that never
 * answers, one that sends a frame over the size limit, one that stops reading its channel,
 * one that answers a stream nobody asked on, and one whose reply is not protobuf.
 */
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

#include "agent_client.h"
#include "error.h"
#include "health.pb-c.h"
#include "ttrpc.h"

/* sv[0]: the host's non-blocking end; sv[1]: the fake agent's. */
static struct agent_client connect_fake_agent(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	struct agent_client c;
	agent_client_init(&c, sv[0]);
	return c;
}

static int check(struct agent_client *c, int timeout_ms, struct kata_error *err)
{
	Grpc__CheckRequest req = GRPC__CHECK_REQUEST__INIT;
	return agent_call_sync(c, HEALTH_SERVICE, "Check", &req.base,
			       &grpc__health_check_response__descriptor, NULL, timeout_ms, err);
}

/* The fake agent reads one whole request frame (blocking) and returns its stream id. */
static uint32_t read_request(int fd)
{
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	struct ttrpc_frame_header h;
	uint8_t *payload = NULL;
	assert_int_equal(ttrpc_reader_read(&r, fd, &h, &payload), 1);
	assert_int_equal(h.type, TTRPC_TYPE_REQUEST);
	free(payload);
	return h.stream_id;
}

static void test_silent_agent_times_out(void **state)
{
	(void)state;
	int sv[2];
	struct agent_client c = connect_fake_agent(sv);
	struct kata_error err = {0};
	assert_int_equal(check(&c, 200, &err), -ETIMEDOUT);
	assert_string_equal(err.msg, "the agent did not answer Check within 200 ms");
	/* The request did go out; a late answer to it is dropped, not matched to a new call. */
	uint32_t sid = read_request(sv[1]);
	Grpc__HealthCheckResponse resp = GRPC__HEALTH_CHECK_RESPONSE__INIT;
	assert_int_equal(ttrpc_send_response(sv[1], sid, TTRPC_OK, NULL, &resp.base), 0);
	assert_int_equal(agent_client_process(&c), 0);
	agent_client_close(&c);
	close(sv[1]);
}

static void test_oversized_frame_fails_the_call(void **state)
{
	(void)state;
	int sv[2];
	struct agent_client c = connect_fake_agent(sv);
	struct ttrpc_frame_header h = {
	    .length = TTRPC_MAX_MESSAGE_LEN + 1, .stream_id = 1, .type = TTRPC_TYPE_RESPONSE};
	uint8_t hdr[TTRPC_HEADER_LEN];
	ttrpc_header_pack(&h, hdr);
	assert_int_equal(write(sv[1], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	struct kata_error err = {0};
	assert_int_equal(check(&c, 5000, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "the agent sent a frame over 4194304 bytes during Check");
	/* The connection is dropped: nothing more is read from that guest. */
	assert_int_equal(c.fd, -1);
	close(sv[1]);
}

struct async_result {
	int calls;
	int code;
};

static void record(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct async_result *r = data;
	r->calls++;
	r->code = code;
}

/* A guest that stops reading: the write gives up after write_timeout_ms, the connection is
 * shut down, and the calls still pending fail instead of waiting forever. */
static void test_agent_that_stops_reading(void **state)
{
	(void)state;
	int sv[2];
	struct agent_client c = connect_fake_agent(sv);
	c.write_timeout_ms = 200;
	struct async_result pending = {0};
	Grpc__CheckRequest small = GRPC__CHECK_REQUEST__INIT;
	assert_int_equal(agent_call(&c, HEALTH_SERVICE, "Check", &small.base,
				    &grpc__health_check_response__descriptor, record, &pending),
			 0);
	/* A request larger than any socket buffer, never read by the fake agent. */
	size_t big = 3u << 20;
	char *service = malloc(big);
	assert_non_null(service);
	memset(service, 's', big - 1);
	service[big - 1] = '\0';
	struct async_result stuck = {0};
	int rc = agent_call(&c, HEALTH_SERVICE, service, &small.base,
			    &grpc__health_check_response__descriptor, record, &stuck);
	free(service);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_int_equal(stuck.calls, 0); /* a failed send runs no callback */
	/* The shut-down connection reads as ended; closing it fails what was pending. */
	assert_true(agent_client_process(&c) < 0);
	agent_client_close(&c);
	assert_int_equal(pending.calls, 1);
	assert_int_equal(pending.code, TTRPC_UNAVAILABLE);
	close(sv[1]);
}

static void test_unknown_stream_and_garbage_reply(void **state)
{
	(void)state;
	int sv[2];
	struct agent_client c = connect_fake_agent(sv);
	struct async_result r = {0};
	Grpc__CheckRequest req = GRPC__CHECK_REQUEST__INIT;
	assert_int_equal(agent_call(&c, HEALTH_SERVICE, "Check", &req.base,
				    &grpc__health_check_response__descriptor, record, &r),
			 0);
	uint32_t sid = read_request(sv[1]);
	Grpc__HealthCheckResponse resp = GRPC__HEALTH_CHECK_RESPONSE__INIT;
	/* An answer on a stream nobody asked on is ignored. */
	assert_int_equal(ttrpc_send_response(sv[1], sid + 2, TTRPC_OK, NULL, &resp.base), 0);
	assert_int_equal(agent_client_process(&c), 0);
	assert_int_equal(r.calls, 0);
	/* A response that is not a ttrpc.Response fails the call, once. */
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
	assert_int_equal(
	    ttrpc_write_frame(sv[1], sid, TTRPC_TYPE_RESPONSE, garbage, sizeof(garbage)), 0);
	assert_int_equal(agent_client_process(&c), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.code, TTRPC_INTERNAL);
	agent_client_close(&c);
	assert_int_equal(r.calls, 1);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_silent_agent_times_out),
	    cmocka_unit_test(test_oversized_frame_fails_the_call),
	    cmocka_unit_test(test_agent_that_stops_reading),
	    cmocka_unit_test(test_unknown_stream_and_garbage_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
