/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's request dispatch (server.c, rpc_*.c) on the host under ASan/UBSan/LSan: the
 * agent itself is static and PID 1 of the guest, where no sanitizer runs. The channel and the
 * PID 1 duties (init.c: power off) are stubbed: replies are captured here, and reaching a
 * power off fails the test rather than touching the host. Only requests that must be refused
 * before they act are sent: undecodable ones, unknown services and methods, and calls naming
 * a container that does not exist. SetGuestDateTime and ReseedRandomDev also run to the end:
 * their syscalls (rpc.h's rpc_guest_* pointers) are swapped for recorders, so the host's clock
 * and RNG are never touched.
 */
#include <errno.h>
#include <linux/random.h>
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
#include "rpc.h"
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

/* --- recorders for rpc_guest.c's syscalls ------------------------------------------------- */

static struct {
	int calls;
	clockid_t clock;
	struct timespec ts;
	int rc;
} clock_rec;

/* One entry per ioctl on /dev/random, with RNDADDENTROPY's pool info copied at call time. */
static struct {
	int calls;
	unsigned long request[4];
	int entropy_count, buf_size;
	uint8_t buf[8192];
	int rc[4]; /* what the n-th call returns */
} random_rec;

static int record_clock_settime(clockid_t clock, const struct timespec *ts)
{
	clock_rec.calls++;
	clock_rec.clock = clock;
	clock_rec.ts = *ts;
	return clock_rec.rc;
}

static int record_random_ioctl(unsigned long request, const void *arg)
{
	int n = random_rec.calls++;
	assert_true(n < 4);
	random_rec.request[n] = request;
	if (request == RNDADDENTROPY) {
		const struct rand_pool_info *info = arg;
		random_rec.entropy_count = info->entropy_count;
		random_rec.buf_size = info->buf_size;
		assert_true(info->buf_size >= 0 &&
			    (size_t)info->buf_size <= sizeof(random_rec.buf));
		memcpy(random_rec.buf, info->buf, (size_t)info->buf_size);
	} else if (request == RNDRESEEDCRNG) {
		assert_null(arg);
	}
	return random_rec.rc[n];
}

static int reset_recorders(void **state)
{
	(void)state;
	memset(&clock_rec, 0, sizeof(clock_rec));
	memset(&random_rec, 0, sizeof(random_rec));
	return 0;
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

static void expect_int(const char *what, long long expected, long long got)
{
	if (expected != got)
		fail_msg("%s: expected %lld, got %lld", what, expected, got);
}

static void expect_message_has(const char *what, const char *needle)
{
	if (!strstr(last_message, needle))
		fail_msg("%s: expected a message containing \"%s\", got \"%s\"", what, needle,
			 last_message);
}

static void set_date_time(int64_t sec, int64_t usec)
{
	Grpc__SetGuestDateTimeRequest req = GRPC__SET_GUEST_DATE_TIME_REQUEST__INIT;
	req.sec = sec;
	req.usec = usec;
	request("grpc.AgentService", "SetGuestDateTime", &req.base);
}

static void reseed(const uint8_t *data, size_t len)
{
	Grpc__ReseedRandomDevRequest req = GRPC__RESEED_RANDOM_DEV_REQUEST__INIT;
	req.data.data = (uint8_t *)data;
	req.data.len = len;
	request("grpc.AgentService", "ReseedRandomDev", &req.base);
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
	    "ResumeContainer", "ListProcesses",	  "GetOOMEvent",     "SetGuestDateTime",
	    "ReseedRandomDev"};
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

static void test_set_guest_date_time_refuses_bad_fields(void **state)
{
	(void)state;
	set_date_time(-1, 0);
	expect_reply(TTRPC_INVALID_ARGUMENT, "SetGuestDateTime Sec -1");
	expect_message_has("SetGuestDateTime Sec -1", "Sec -1");
	set_date_time(1700000000, 1000000);
	expect_reply(TTRPC_INVALID_ARGUMENT, "SetGuestDateTime Usec 1000000");
	expect_message_has("SetGuestDateTime Usec 1000000", "Usec 1000000");
	set_date_time(1700000000, -1);
	expect_reply(TTRPC_INVALID_ARGUMENT, "SetGuestDateTime Usec -1");
	expect_message_has("SetGuestDateTime Usec -1", "Usec -1");
	expect_int("clock_settime calls after refused requests", 0, clock_rec.calls);
}

static void test_set_guest_date_time_sets_realtime(void **state)
{
	(void)state;
	set_date_time(1700000000, 123456);
	expect_reply(TTRPC_OK, "SetGuestDateTime 1700000000.123456");
	expect_int("clock_settime calls", 1, clock_rec.calls);
	expect_int("clock", CLOCK_REALTIME, clock_rec.clock);
	expect_int("tv_sec", 1700000000, clock_rec.ts.tv_sec);
	expect_int("tv_nsec", 123456000, clock_rec.ts.tv_nsec);

	/* The bounds themselves are valid. */
	set_date_time(0, 999999);
	expect_reply(TTRPC_OK, "SetGuestDateTime 0.999999");
	expect_int("clock_settime calls", 2, clock_rec.calls);
	expect_int("tv_sec", 0, clock_rec.ts.tv_sec);
	expect_int("tv_nsec", 999999000, clock_rec.ts.tv_nsec);
}

static void test_set_guest_date_time_reports_errno(void **state)
{
	(void)state;
	clock_rec.rc = -EPERM;
	set_date_time(1700000000, 0);
	expect_reply(TTRPC_INTERNAL, "SetGuestDateTime, clock_settime failing with EPERM");
	expect_message_has("SetGuestDateTime, clock_settime failing", strerror(EPERM));
}

static void test_reseed_random_dev_refuses_bad_sizes(void **state)
{
	(void)state;
	static uint8_t big[4097];
	reseed(NULL, 0);
	expect_reply(TTRPC_INVALID_ARGUMENT, "ReseedRandomDev with no data");
	expect_message_has("ReseedRandomDev with no data", "0 bytes");
	reseed(big, sizeof(big));
	expect_reply(TTRPC_INVALID_ARGUMENT, "ReseedRandomDev with 4097 bytes");
	expect_message_has("ReseedRandomDev with 4097 bytes", "4097 bytes");
	expect_int("/dev/random ioctls after refused requests", 0, random_rec.calls);
}

/* The bytes go into the pool credited at 8 bits each, then the CRNG reseeds, in that order. */
static void test_reseed_random_dev_feeds_and_reseeds(void **state)
{
	(void)state;
	static uint8_t data[4096];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	reseed(data, sizeof(data));
	expect_reply(TTRPC_OK, "ReseedRandomDev with 4096 bytes");
	expect_int("/dev/random ioctls", 2, random_rec.calls);
	expect_int("first ioctl (RNDADDENTROPY)", RNDADDENTROPY, (long long)random_rec.request[0]);
	expect_int("second ioctl (RNDRESEEDCRNG)", RNDRESEEDCRNG, (long long)random_rec.request[1]);
	expect_int("entropy_count (bits)", 4096 * 8, random_rec.entropy_count);
	expect_int("buf_size (bytes)", 4096, random_rec.buf_size);
	for (size_t i = 0; i < sizeof(data); i++)
		if (random_rec.buf[i] != data[i])
			fail_msg("pool byte %zu: expected 0x%02x, got 0x%02x", i, data[i],
				 random_rec.buf[i]);

	static const uint8_t one[] = {0xa5};
	reseed(one, sizeof(one));
	expect_reply(TTRPC_OK, "ReseedRandomDev with 1 byte");
	expect_int("/dev/random ioctls", 4, random_rec.calls);
	expect_int("entropy_count (bits)", 8, random_rec.entropy_count);
	expect_int("buf_size (bytes)", 1, random_rec.buf_size);
	expect_int("pool byte 0", 0xa5, random_rec.buf[0]);
}

/* A CRNG not yet initialised answers RNDRESEEDCRNG with ENODATA: the credited pool seeds it
 * later, so that is a success; a failing RNDADDENTROPY is an error and skips the reseed. */
static void test_reseed_random_dev_errors(void **state)
{
	(void)state;
	static const uint8_t data[32] = {1, 2, 3};
	random_rec.rc[1] = -ENODATA;
	reseed(data, sizeof(data));
	expect_reply(TTRPC_OK, "ReseedRandomDev, RNDRESEEDCRNG failing with ENODATA");

	reset_recorders(NULL);
	random_rec.rc[0] = -EPERM;
	reseed(data, sizeof(data));
	expect_reply(TTRPC_INTERNAL, "ReseedRandomDev, RNDADDENTROPY failing with EPERM");
	expect_message_has("ReseedRandomDev, RNDADDENTROPY failing", "RNDADDENTROPY");
	expect_message_has("ReseedRandomDev, RNDADDENTROPY failing", strerror(EPERM));
	expect_int("/dev/random ioctls after RNDADDENTROPY failed", 1, random_rec.calls);

	reset_recorders(NULL);
	random_rec.rc[1] = -EPERM;
	reseed(data, sizeof(data));
	expect_reply(TTRPC_INTERNAL, "ReseedRandomDev, RNDRESEEDCRNG failing with EPERM");
	expect_message_has("ReseedRandomDev, RNDRESEEDCRNG failing", "RNDRESEEDCRNG");
}

int main(void)
{
	/* Before any request: the real syscalls would set the host's clock and feed its RNG. */
	rpc_guest_clock_settime = record_clock_settime;
	rpc_guest_random_ioctl = record_random_ioctl;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_health),
	    cmocka_unit_test(test_bad_envelopes),
	    cmocka_unit_test(test_every_method_refuses_undecodable_payloads),
	    cmocka_unit_test(test_unknown_container),
	    cmocka_unit_test(test_oom_event_waits),
	    cmocka_unit_test_setup(test_set_guest_date_time_refuses_bad_fields, reset_recorders),
	    cmocka_unit_test_setup(test_set_guest_date_time_sets_realtime, reset_recorders),
	    cmocka_unit_test_setup(test_set_guest_date_time_reports_errno, reset_recorders),
	    cmocka_unit_test_setup(test_reseed_random_dev_refuses_bad_sizes, reset_recorders),
	    cmocka_unit_test_setup(test_reseed_random_dev_feeds_and_reseeds, reset_recorders),
	    cmocka_unit_test_setup(test_reseed_random_dev_errors, reset_recorders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
