/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regressions found reviewing the host side for trust in guest data (issue 7): the guest's
 * error messages are cut and stripped of control characters before they reach a terminal or
 * the log, and a frame reader that refused an oversized header keeps refusing it.
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

#include "agent.pb-c.h"
#include "agent_client.h"
#include "google/protobuf/empty.pb-c.h"
#include "ttrpc.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
}

/* Answers stream 1 (the client's first call) with an error status carrying message. */
static void call_with_guest_error(const char *message, struct kata_error *err)
{
	int sv[2];
	pair(sv);
	assert_int_equal(ttrpc_send_response(sv[1], 1, TTRPC_INTERNAL, message, NULL), 0);
	struct agent_client c;
	agent_client_init(&c, sv[0]);
	Grpc__StartContainerRequest req = GRPC__START_CONTAINER_REQUEST__INIT;
	req.container_id = "c1";
	assert_true(agent_call_sync(&c, "grpc.AgentService", "StartContainer", &req.base,
				    &google__protobuf__empty__descriptor, NULL, 5000, err) < 0);
	agent_client_close(&c);
	close(sv[1]);
}

static void test_guest_message_control_characters(void **state)
{
	(void)state;
	struct kata_error err = {0};
	call_with_guest_error("bad\n\033[2J\rforged log line\x7f", &err);
	assert_string_equal(err.msg, "bad??[2J?forged log line?");
}

static void record_length(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	*(size_t *)data = message ? strlen(message) : 0;
}

/* Asynchronous callers (WaitProcess, control requests) log the message as given: it must
 * arrive cut, not as the guest's 100 KB. */
static void test_guest_message_cut(void **state)
{
	(void)state;
	char *big = malloc(100000);
	assert_non_null(big);
	memset(big, 'x', 99999);
	big[99999] = '\0';
	int sv[2];
	pair(sv);
	assert_int_equal(ttrpc_send_response(sv[1], 1, TTRPC_INTERNAL, big, NULL), 0);
	free(big);
	struct agent_client c;
	agent_client_init(&c, sv[0]);
	Grpc__WaitProcessRequest req = GRPC__WAIT_PROCESS_REQUEST__INIT;
	size_t len = 0;
	assert_int_equal(agent_call(&c, "grpc.AgentService", "WaitProcess", &req.base,
				    &grpc__wait_process_response__descriptor, record_length, &len),
			 0);
	for (int i = 0; i < 1000 && len == 0; i++) {
		agent_client_process(&c);
		usleep(1000);
	}
	assert_int_equal(len, 512);
	agent_client_close(&c);
	close(sv[1]);
}

/* An error status without a message: the read-only default "" must not be written to. */
static void test_guest_message_absent(void **state)
{
	(void)state;
	struct kata_error err = {0};
	call_with_guest_error("", &err);
	assert_int_equal(err.status, EIO);
}

static void test_reader_stays_refused_after_oversized_header(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct ttrpc_frame_header h = {
	    .length = TTRPC_MAX_MESSAGE_LEN + 1, .stream_id = 1, .type = TTRPC_TYPE_RESPONSE};
	uint8_t hdr[TTRPC_HEADER_LEN];
	ttrpc_header_pack(&h, hdr);
	assert_int_equal(write(sv[1], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	assert_int_equal(write(sv[1], "payload bytes", 13), 13);
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	struct ttrpc_frame_header got;
	uint8_t *payload = NULL;
	assert_int_equal(ttrpc_reader_read(&r, sv[0], &got, &payload), -EMSGSIZE);
	/* Before the fix the second call read the payload into an unallocated buffer. */
	assert_int_equal(ttrpc_reader_read(&r, sv[0], &got, &payload), -EMSGSIZE);
	assert_null(payload);
	ttrpc_reader_reset(&r);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guest_message_control_characters),
	    cmocka_unit_test(test_guest_message_cut),
	    cmocka_unit_test(test_guest_message_absent),
	    cmocka_unit_test(test_reader_stays_refused_after_oversized_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
