/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client against a scripted fake QEMU on a socketpair (a thread): greeting and
 * capabilities, events between a request and its reply, replies matched by id, error
 * replies, a peer that closes mid-reply, and timeouts.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "qmp.h"

enum step_kind { SEND, RECV, SLEEP, CLOSE, END };

struct step {
	enum step_kind kind;
	const char *text; /* SEND: "%ID%" becomes the id of the last request received */
	int ms;
};

struct peer {
	int fd;
	const struct step *steps;
	pthread_t thread;
	char last_id[32];
	char received[8192]; /* every request line, concatenated */
};

#define GREETING                                                                                   \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, "         \
	"\"capabilities\": []}}\n"

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static void peer_send(struct peer *p, const char *text)
{
	char out[4096];
	const char *mark = strstr(text, "%ID%");
	if (mark)
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(mark - text), text, p->last_id,
			 mark + 4);
	else
		snprintf(out, sizeof(out), "%s", text);
	if (write(p->fd, out, strlen(out)) < 0)
		return;
}

static void peer_recv_line(struct peer *p)
{
	char line[4096];
	size_t n = 0;
	char c;
	while (n + 1 < sizeof(line) && read(p->fd, &c, 1) == 1 && c != '\n')
		line[n++] = c;
	line[n] = '\0';
	strncat(p->received, line, sizeof(p->received) - strlen(p->received) - 2);
	strcat(p->received, "\n");
	/* The request's own id comes last, after any "id" inside its arguments. */
	const char *id = NULL;
	for (const char *m = line; (m = strstr(m, "\"id\":")); m++)
		id = m;
	p->last_id[0] = '\0';
	if (id)
		sscanf(id + 5, "%31[0-9]", p->last_id);
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	for (const struct step *s = p->steps; s->kind != END; s++) {
		switch (s->kind) {
		case SEND:
			peer_send(p, s->text);
			break;
		case RECV:
			peer_recv_line(p);
			break;
		case SLEEP:
			sleep_ms(s->ms);
			break;
		case CLOSE:
			close(p->fd);
			p->fd = -1;
			return NULL;
		case END:
			break;
		}
	}
	return NULL;
}

/* Starts the fake QEMU; returns our end of the socketpair. */
static int peer_start(struct peer *p, const struct step *steps)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(p, 0, sizeof(*p));
	p->fd = sv[1];
	p->steps = steps;
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
	return sv[0];
}

static void peer_join(struct peer *p)
{
	pthread_join(p->thread, NULL);
	if (p->fd >= 0)
		close(p->fd);
}

#define HANDSHAKE                                                                                  \
	{SEND, GREETING, 0}, {RECV, NULL, 0},                                                      \
	{                                                                                          \
		SEND, "{\"return\": {}, \"id\": %ID%}\n", 0                                        \
	}

static void test_handshake_and_reply_by_id(void **state)
{
	const struct step steps[] = {
	    HANDSHAKE,
	    {RECV, NULL, 0},
	    /* An event, a stale reply to an older request, then ours split across writes. */
	    {SEND, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\n",
	     0},
	    {SEND, "{\"return\": {\"stale\": true}, \"id\": 999}\n", 0},
	    {SEND, "{\"return\": {\"status\": \"running\", \"singlestep\": false, ", 0},
	    {SLEEP, NULL, 30},
	    {SEND, "\"running\": true, \"big\": 18446744073709551615}, \"id\": %ID%}\n", 0},
	    {SEND, "{\"event\": \"RESUME\"}\n", 0},
	    {END, NULL, 0},
	};
	struct peer p;
	int fd = peer_start(&p, steps);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 2000, &q, &err), 0);

	char *ret = NULL;
	assert_int_equal(qmp_execute(q, "query-status", NULL, &ret, 2000, &err), 0);
	assert_string_equal(ret, "{\"status\":\"running\",\"singlestep\":false,\"running\":true,"
				 "\"big\":18446744073709551615}");
	free(ret);

	peer_join(&p);
	char *ev = NULL;
	assert_int_equal(qmp_next_event(q, &ev), 1);
	assert_string_equal(ev, "STOP");
	free(ev);
	assert_int_equal(qmp_next_event(q, &ev), 0);
	/* RESUME arrived after the reply: it is read by polling; then the peer is gone. */
	assert_int_equal(qmp_poll_events(q), -EPIPE);
	assert_int_equal(qmp_next_event(q, &ev), 1);
	assert_string_equal(ev, "RESUME");
	free(ev);

	assert_non_null(strstr(p.received, "{\"execute\":\"qmp_capabilities\",\"id\":1}\n"));
	assert_non_null(strstr(p.received, "{\"execute\":\"query-status\",\"id\":2}\n"));
	assert_null(qmp_close(q));
}

static void test_arguments_and_validation(void **state)
{
	const struct step steps[] = {
	    HANDSHAKE,
	    {RECV, NULL, 0},
	    {SEND, "{\"return\": {}, \"id\": %ID%}\n", 0},
	    {END, NULL, 0},
	};
	struct peer p;
	int fd = peer_start(&p, steps);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 2000, &q, &err), 0);

	assert_int_equal(qmp_execute(q, "bad\"name", NULL, NULL, 100, &err), -EINVAL);
	assert_int_equal(qmp_execute(q, "cont", "[1]", NULL, 100, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a JSON object"));
	assert_int_equal(qmp_execute(q, "human-monitor-command",
				     "{\"command-line\": \"info status\"}", NULL, 2000, &err),
			 0);
	peer_join(&p);
	assert_non_null(strstr(p.received, "{\"execute\":\"human-monitor-command\",\"arguments\":"
					   "{\"command-line\": \"info status\"},\"id\":2}"));
	qmp_close(q);
}

static void test_error_reply_desc(void **state)
{
	const struct step steps[] = {
	    HANDSHAKE,
	    {RECV, NULL, 0},
	    {SEND,
	     "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Device 'x' not found\"}, "
	     "\"id\": %ID%}\n",
	     0},
	    {RECV, NULL, 0},
	    {SEND,
	     "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not "
	     "been found\"}, \"id\": %ID%}\n",
	     0},
	    {END, NULL, 0},
	};
	struct peer p;
	int fd = peer_start(&p, steps);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 2000, &q, &err), 0);

	assert_int_equal(qmp_execute(q, "device_del", "{\"id\":\"x\"}", NULL, 2000, &err), -EIO);
	assert_int_equal(err.status, EIO);
	assert_string_equal(err.msg, "qmp device_del: Device 'x' not found (GenericError)");
	assert_int_equal(qmp_execute(q, "nope", NULL, NULL, 2000, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "has not been found"));
	peer_join(&p);
	qmp_close(q);
}

static void test_peer_closes_mid_reply(void **state)
{
	const struct step steps[] = {
	    HANDSHAKE,	      {RECV, NULL, 0}, {SEND, "{\"return\": {\"status\": ", 0},
	    {CLOSE, NULL, 0}, {END, NULL, 0},
	};
	struct peer p;
	int fd = peer_start(&p, steps);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 2000, &q, &err), 0);
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, 2000, &err), -EPIPE);
	assert_string_equal(err.msg, "qmp query-status: QEMU closed the connection");
	/* Later commands fail the same way instead of hanging. */
	assert_int_equal(qmp_execute(q, "quit", NULL, NULL, 2000, &err), -EPIPE);
	peer_join(&p);
	qmp_close(q);
}

static void test_timeout(void **state)
{
	const struct step steps[] = {
	    HANDSHAKE,
	    {RECV, NULL, 0},
	    {SLEEP, NULL, 400},
	    /* The late reply must not be taken as the answer to the next command. */
	    {SEND, "{\"return\": {\"late\": 1}, \"id\": %ID%}\n", 0},
	    {RECV, NULL, 0},
	    {SEND, "{\"return\": {\"fresh\": 2}, \"id\": %ID%}\n", 0},
	    {END, NULL, 0},
	};
	struct peer p;
	int fd = peer_start(&p, steps);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 2000, &q, &err), 0);

	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, 150, &err), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 140 && ms < 400);
	assert_string_equal(err.msg, "qmp query-status: no reply within 150 ms");

	char *ret = NULL;
	assert_int_equal(qmp_execute(q, "query-status", NULL, &ret, 2000, &err), 0);
	assert_string_equal(ret, "{\"fresh\":2}");
	free(ret);
	peer_join(&p);
	qmp_close(q);
}

/* Seen in CI: QEMU emitted RESUME before the greeting when the client connected as the
 * vCPUs started. The event is queued and the handshake goes on. */
static void test_event_before_greeting(void **state)
{
	(void)state;
	const struct step script[] = {
	    {SEND,
	     "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\n", 0},
	    {SEND, GREETING, 0},
	    {RECV, NULL, 0},
	    {SEND, "{\"return\": {}, \"id\": %ID%}\n", 0},
	    {END, NULL, 0}};
	struct peer p;
	int fd = peer_start(&p, script);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 2000, &q, &err), 0);
	char *event = NULL;
	assert_int_equal(qmp_next_event(q, &event), 1);
	assert_string_equal(event, "RESUME");
	free(event);
	qmp_close(q);
	peer_join(&p);
}

static void test_greeting_timeout_and_garbage(void **state)
{
	const struct step silent[] = {{SLEEP, NULL, 300}, {END, NULL, 0}};
	struct peer p;
	int fd = peer_start(&p, silent);
	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_from_fd(fd, 100, &q, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "greeting"));
	peer_join(&p);

	const struct step garbage[] = {{SEND, "hello there\n", 0}, {END, NULL, 0}};
	fd = peer_start(&p, garbage);
	assert_int_equal(qmp_from_fd(fd, 1000, &q, &err), -EPROTO);
	assert_string_equal(err.msg, "qmp: expected a QMP greeting, got \"hello there\"");
	peer_join(&p);

	const struct step refuse[] = {
	    {SEND, GREETING, 0},
	    {RECV, NULL, 0},
	    {SEND, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no caps\"}}\n", 0},
	    {END, NULL, 0},
	};
	fd = peer_start(&p, refuse);
	assert_int_equal(qmp_from_fd(fd, 1000, &q, &err), -EIO);
	assert_string_equal(err.msg, "qmp qmp_capabilities: no caps (GenericError)");
	peer_join(&p);
}

struct late_server {
	char path[108];
	int delay_ms;
};

/* Creates the QMP socket late, accepts one client and plays the handshake. */
static void *late_server_main(void *arg)
{
	struct late_server *ls = arg;
	sleep_ms(ls->delay_ms);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, ls->path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0)
		return NULL;
	int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	close(s);
	const struct step steps[] = {HANDSHAKE, {END, NULL, 0}};
	struct peer p = {.fd = c, .steps = steps};
	peer_main(&p);
	close(c);
	return NULL;
}

static void test_connect_waits_for_socket(void **state)
{
	char dir[] = "/tmp/kata-test-qmp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct late_server ls = {.delay_ms = 150};
	snprintf(ls.path, sizeof(ls.path), "%s/qmp.sock", dir);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, late_server_main, &ls), 0);

	struct kata_error err = {0};
	struct qmp *q = NULL;
	assert_int_equal(qmp_connect(ls.path, 3000, &q, &err), 0);
	assert_true(qmp_fd(q) >= 0);
	qmp_close(q);
	pthread_join(t, NULL);

	assert_int_equal(qmp_connect(ls.path, 100, &q, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "QMP socket"));
	unlink(ls.path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake_and_reply_by_id),
	    cmocka_unit_test(test_arguments_and_validation),
	    cmocka_unit_test(test_error_reply_desc),
	    cmocka_unit_test(test_peer_closes_mid_reply),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_greeting_timeout_and_garbage),
	    cmocka_unit_test(test_event_before_greeting),
	    cmocka_unit_test(test_connect_waits_for_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
