/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's request dispatch (server.c, rpc_*.c) on the host under ASan/UBSan/LSan: the
 * agent itself is static and PID 1 of the guest, where no sanitizer runs. The channel and the
 * PID 1 duties (init.c: power off) are stubbed: replies are captured here, and reaching a
 * power off fails the test rather than touching the host. Only requests that must be refused
 * before they act are sent: undecodable ones, unknown services and methods, and calls naming
 * a container that does not exist.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.pb-c.h"
#include "channel.h"
#include "health.pb-c.h"
#include "init.h"
#include "server.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

/* --- stubs for channel.c and init.c ------------------------------------------------------- */

static int replies;
static int last_code;
static char last_message[1024];
static unsigned generation = 1; /* a new host connection bumps it */

unsigned channel_generation(void)
{
	return generation;
}

int channel_send_response(uint32_t stream_id, int32_t code, const char *message,
			  const ProtobufCMessage *msg)
{
	/* Pack it as the real channel would: the reply must encode. */
	uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_response(code, message, msg, &frame);
	assert_true(len >= 0);
	free(frame);
	replies++;
	last_code = code;
	snprintf(last_message, sizeof(last_message), "%s", message ? message : "");
	return 0;
}

int channel_send_frame(uint32_t stream_id, uint8_t type, const uint8_t *payload, size_t len)
{
	return 0;
}

void channel_make_writes_synchronous(void)
{
}

_Noreturn void init_power_off(void)
{
	fprintf(stderr, "test_agent_server: the agent tried to power off\n");
	abort();
}

_Noreturn void init_fatal(const char *fmt, ...)
{
	fprintf(stderr, "test_agent_server: init_fatal: %s\n", fmt);
	abort();
}

/* --- helpers --------------------------------------------------------------------------------- */

/* Hands the server one frame (it owns the payload), as channel.c does. */
static void deliver(uint8_t type, const void *payload, size_t len)
{
	uint8_t *copy = len ? malloc(len) : NULL;
	if (len)
		memcpy(copy, payload, len);
	struct ttrpc_frame_header h = {.length = (uint32_t)len, .stream_id = 1, .type = type};
	replies = 0;
	last_code = -1;
	last_message[0] = '\0';
	server_handle_frame(&h, copy);
}

static void request(const char *service, const char *method, const ProtobufCMessage *msg)
{
	uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_request(service, method, msg, 0, &frame);
	assert_true(len >= 0);
	deliver(TTRPC_TYPE_REQUEST, frame, (size_t)len);
	free(frame);
}

/* A request whose payload is truncated protobuf (field 1 claims 5 bytes, 1 follows). */
static void garbage_request(const char *method)
{
	static const uint8_t garbage[] = {0x0a, 0x05, 0x01};
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = "grpc.AgentService";
	req.method = (char *)method;
	req.payload.data = (uint8_t *)garbage;
	req.payload.len = sizeof(garbage);
	uint8_t *frame = NULL;
	ssize_t len = ttrpc_pack_message(&req.base, &frame);
	assert_true(len >= 0);
	deliver(TTRPC_TYPE_REQUEST, frame, (size_t)len);
	free(frame);
}

static void expect_reply(int code, const char *what)
{
	if (replies != 1 || last_code != code)
		fail_msg("%s: expected one reply with code %d, got %d replies, code %d (%s)", what,
			 code, replies, last_code, last_message);
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_health(void **state)
{
	(void)state;
	Grpc__CheckRequest check = GRPC__CHECK_REQUEST__INIT;
	request("grpc.Health", "Check", &check.base);
	expect_reply(TTRPC_OK, "Check");
	request("grpc.Health", "Version", &check.base);
	expect_reply(TTRPC_OK, "Version");
}

static void test_bad_envelopes(void **state)
{
	(void)state;
	static const uint8_t junk[] = {0xff, 0xff, 0xff};
	deliver(TTRPC_TYPE_REQUEST, junk, sizeof(junk));
	expect_reply(TTRPC_INVALID_ARGUMENT, "undecodable ttrpc.Request");
	deliver(TTRPC_TYPE_DATA, junk, sizeof(junk));
	assert_int_equal(replies, 0); /* streaming frames are dropped */
	deliver(TTRPC_TYPE_REQUEST, NULL, 0);
	expect_reply(TTRPC_UNIMPLEMENTED, "empty request");
	Grpc__CheckRequest check = GRPC__CHECK_REQUEST__INIT;
	request("grpc.Nothing", "Check", &check.base);
	expect_reply(TTRPC_UNIMPLEMENTED, "unknown service");
	assert_string_equal(last_message, "service grpc.Nothing is not implemented");
	request("grpc.AgentService", "Teleport", &check.base);
	expect_reply(TTRPC_UNIMPLEMENTED, "unknown method");
}

static void test_every_method_refuses_undecodable_payloads(void **state)
{
	(void)state;
	static const char *const methods[] = {
	    "CreateSandbox",   "DestroySandbox",  "CreateContainer", "StartContainer",
	    "RemoveContainer", "ExecProcess",	  "SignalProcess",   "WaitProcess",
	    "WriteStdin",      "ReadStdout",	  "ReadStderr",	     "CloseStdin",
	    "TtyWinResize",    "UpdateContainer", "StatsContainer",  "PauseContainer",
	    "ResumeContainer", "ListProcesses",	  "GetOOMEvent"};
	for (size_t i = 0; i < sizeof(methods) / sizeof(*methods); i++) {
		garbage_request(methods[i]);
		expect_reply(TTRPC_INVALID_ARGUMENT, methods[i]);
	}
}

static void test_unknown_container(void **state)
{
	(void)state;
	Grpc__SignalProcessRequest sig = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
	sig.container_id = "nope";
	sig.signal = 9;
	request("grpc.AgentService", "SignalProcess", &sig.base);
	expect_reply(TTRPC_NOT_FOUND, "SignalProcess");
	Grpc__WaitProcessRequest wait = GRPC__WAIT_PROCESS_REQUEST__INIT;
	wait.container_id = "nope";
	request("grpc.AgentService", "WaitProcess", &wait.base);
	expect_reply(TTRPC_NOT_FOUND, "WaitProcess");
	Grpc__ReadStreamRequest rd = GRPC__READ_STREAM_REQUEST__INIT;
	rd.container_id = "nope";
	rd.len = 1024;
	request("grpc.AgentService", "ReadStdout", &rd.base);
	expect_reply(TTRPC_NOT_FOUND, "ReadStdout");
	Grpc__WriteStreamRequest wr = GRPC__WRITE_STREAM_REQUEST__INIT;
	wr.container_id = "nope";
	request("grpc.AgentService", "WriteStdin", &wr.base);
	expect_reply(TTRPC_NOT_FOUND, "WriteStdin");
	Grpc__StartContainerRequest start = GRPC__START_CONTAINER_REQUEST__INIT;
	start.container_id = "nope";
	request("grpc.AgentService", "StartContainer", &start.base);
	expect_reply(TTRPC_NOT_FOUND, "StartContainer");
	Grpc__ListProcessesRequest ps = GRPC__LIST_PROCESSES_REQUEST__INIT;
	ps.container_id = "nope";
	request("grpc.AgentService", "ListProcesses", &ps.base);
	expect_reply(TTRPC_NOT_FOUND, "ListProcesses");
	Grpc__StatsContainerRequest stats = GRPC__STATS_CONTAINER_REQUEST__INIT;
	stats.container_id = "nope";
	request("grpc.AgentService", "StatsContainer", &stats.base);
	expect_reply(TTRPC_NOT_FOUND, "StatsContainer");
}

/* GetOOMEvent waits for an OOM kill: no reply before one; a lost connection forgets the call
 * (LSan: nothing of it leaks). */
static void test_oom_event_waits(void **state)
{
	(void)state;
	Grpc__GetOOMEventRequest req = GRPC__GET_OOMEVENT_REQUEST__INIT;
	request("grpc.AgentService", "GetOOMEvent", &req.base);
	request("grpc.AgentService", "GetOOMEvent", &req.base);
	assert_int_equal(replies, 0);
	generation++;
	server_handle_disconnect();
	assert_int_equal(replies, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_health),
	    cmocka_unit_test(test_bad_envelopes),
	    cmocka_unit_test(test_every_method_refuses_undecodable_payloads),
	    cmocka_unit_test(test_unknown_container),
	    cmocka_unit_test(test_oom_event_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
