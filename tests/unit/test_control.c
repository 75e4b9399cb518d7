/* SPDX-License-Identifier: Apache-2.0 */
/* The control protocol: header + payload packets, fds as SCM_RIGHTS, malformed packets refused. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_request_with_payload_and_fds(void **state)
{
	(void)state;
	int sv[2], p[2];
	pair(sv);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	struct control_request req = {.op = CONTROL_EXEC, .payload_len = 5};
	int fds[3] = {p[0], p[1], p[1]};
	assert_int_equal(control_send_request(sv[0], &req, "hello", fds, 3), 0);

	struct control_request got;
	char *payload = NULL;
	int rfds[CONTROL_MAX_FDS];
	assert_int_equal(control_recv_request(sv[1], &got, &payload, rfds), 0);
	assert_int_equal(got.op, CONTROL_EXEC);
	assert_int_equal(got.payload_len, 5);
	assert_string_equal(payload, "hello");
	free(payload);
	/* The fds are new descriptors for the same pipe, close-on-exec. */
	for (int i = 0; i < 3; i++) {
		assert_true(rfds[i] >= 0);
		assert_true(fcntl(rfds[i], F_GETFD) & FD_CLOEXEC);
	}
	assert_int_equal(write(rfds[1], "x", 1), 1);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	for (int i = 0; i < 3; i++)
		close(rfds[i]);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_reply_roundtrip_and_error(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	assert_int_equal(
	    control_send_reply(sv[0], 0, CONTROL_REPLY_EXEC_EXITED, 137, NULL, "[1,2]", 5), 0);
	struct control_reply r;
	char *payload = NULL;
	size_t len = 0;
	struct kata_error err = {0};
	assert_int_equal(control_recv_reply(sv[1], 1000, &r, &payload, &len, &err), 0);
	assert_int_equal(r.kind, CONTROL_REPLY_EXEC_EXITED);
	assert_int_equal(r.exit_status, 137);
	assert_int_equal(len, 5);
	assert_string_equal(payload, "[1,2]");
	free(payload);

	/* A failure carries its errno and message to the caller's kata_error. */
	assert_int_equal(control_send_reply(sv[0], EBUSY, CONTROL_REPLY_DONE, -1,
					    "cannot exec in a paused container", NULL, 0),
			 0);
	assert_int_equal(control_recv_reply(sv[1], 1000, &r, NULL, NULL, &err), -EBUSY);
	assert_string_equal(err.msg, "cannot exec in a paused container");

	/* Nothing to read within the timeout. */
	assert_int_equal(control_recv_reply(sv[1], 10, &r, NULL, NULL, &err), -ETIMEDOUT);
	close(sv[0]);
	/* Hang-up. */
	assert_int_equal(control_recv_reply(sv[1], 1000, &r, NULL, NULL, &err), -EPIPE);
	close(sv[1]);
}

static void test_malformed_packets_are_refused(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	/* Shorter than a header. */
	assert_int_equal(send(sv[0], "abc", 3, 0), 3);
	struct control_request got;
	char *payload = NULL;
	int rfds[CONTROL_MAX_FDS];
	assert_int_equal(control_recv_request(sv[1], &got, &payload, rfds), -EBADMSG);
	/* A header claiming more payload than the packet holds. */
	struct control_request lie = {.op = CONTROL_PS, .payload_len = 100};
	assert_int_equal(send(sv[0], &lie, sizeof(lie), 0), (ssize_t)sizeof(lie));
	assert_int_equal(control_recv_request(sv[1], &got, &payload, rfds), -EBADMSG);
	for (int i = 0; i < CONTROL_MAX_FDS; i++)
		assert_int_equal(rfds[i], -1);
	/* Payloads over the limit are not sent at all. */
	static char big[CONTROL_MAX_PAYLOAD + 1];
	struct control_request huge = {.op = CONTROL_UPDATE, .payload_len = sizeof(big)};
	assert_int_equal(control_send_request(sv[0], &huge, big, NULL, 0), -EMSGSIZE);
	close(sv[0]);
	assert_int_equal(control_recv_request(sv[1], &got, &payload, rfds), -EPIPE);
	close(sv[1]);
}

static void test_call_without_monitor(void **state)
{
	(void)state;
	char dir[] = "/tmp/kata-unit-control.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct kata_error err = {0};
	struct control_request req = {.op = CONTROL_KILL, .signal = 9};
	assert_int_equal(control_call(dir, &req, 100, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "connect to the container's monitor"));

	/* A listener that answers one request with a payload. */
	int l = control_listen(dir, &err);
	assert_true(l >= 0);
	int c = control_connect(dir, &err);
	assert_true(c >= 0);
	struct control_request ps = {.op = CONTROL_PS, .payload_len = 5};
	assert_int_equal(control_send_request(c, &ps, "json", NULL, 0), 0);
	int conn = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	char *payload = NULL;
	int rfds[CONTROL_MAX_FDS];
	struct control_request got;
	assert_int_equal(control_recv_request(conn, &got, &payload, rfds), 0);
	assert_string_equal(payload, "json");
	free(payload);
	assert_int_equal(control_send_reply(conn, 0, CONTROL_REPLY_DONE, -1, NULL, "[42]", 4), 0);
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(control_recv_reply(c, 1000, NULL, &out, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_string_equal(out, "[42]");
	free(out);
	close(conn);
	close(c);
	close(l);
	char sock[PATH_MAX];
	snprintf(sock, sizeof(sock), "%s/monitor.sock", dir);
	unlink(sock);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_with_payload_and_fds),
	    cmocka_unit_test(test_reply_roundtrip_and_error),
	    cmocka_unit_test(test_malformed_packets_are_refused),
	    cmocka_unit_test(test_call_without_monitor),
	};
	return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
