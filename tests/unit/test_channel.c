/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host-guest channel against fakes: a hybrid-vsock peer (the VMM's unix socket) that
 * answers well, badly, hangs up or stays silent; a virtio-serial socket that appears late;
 * transport selection and the QEMU arguments of each transport.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "channel.h"

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* What a fake hybrid-vsock VMM does with one connection. */
struct hybrid_peer {
	int fd;
	const char *reply; /* sent after reading the request; NULL: send nothing */
	int delay_ms;	   /* before replying */
	bool close_after;  /* hang up after replying (or instead, when reply is NULL) */
	bool dribble;	   /* send the reply one byte per write, as a slow VMM may */
	char request[64];
	pthread_t thread;
};

static void *hybrid_peer_main(void *arg)
{
	struct hybrid_peer *p = arg;
	size_t n = 0;
	char c;
	while (n + 1 < sizeof(p->request) && read(p->fd, &c, 1) == 1) {
		p->request[n++] = c;
		if (c == '\n')
			break;
	}
	p->request[n] = '\0';
	sleep_ms(p->delay_ms);
	if (p->reply && !p->dribble && write(p->fd, p->reply, strlen(p->reply)) < 0)
		return NULL;
	for (const char *c = p->dribble && p->reply ? p->reply : ""; *c; c++) {
		if (write(p->fd, c, 1) != 1)
			return NULL;
		sleep_ms(2);
	}
	if (p->close_after) {
		close(p->fd);
		p->fd = -1;
	} else {
		sleep_ms(300); /* keep the connection open while the client times out */
	}
	return NULL;
}

static int hybrid_peer_start(struct hybrid_peer *p)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->fd = sv[1];
	assert_int_equal(pthread_create(&p->thread, NULL, hybrid_peer_main, p), 0);
	return sv[0];
}

static void hybrid_peer_join(struct hybrid_peer *p)
{
	pthread_join(p->thread, NULL);
	if (p->fd >= 0)
		close(p->fd);
}

static void test_hybrid_good_handshake(void **state)
{
	/* Agent bytes right behind the reply must stay in the socket for the caller. */
	struct hybrid_peer p = {.reply = "OK 1073741824\nTTRPC", .close_after = true};
	int fd = hybrid_peer_start(&p);
	struct kata_error err = {0};
	assert_int_equal(channel_hybrid_handshake(fd, 1024, 1000, &err), 0);
	char buf[16] = "";
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	assert_string_equal(buf, "TTRPC");
	hybrid_peer_join(&p);
	assert_string_equal(p.request, "CONNECT 1024\n");
	close(fd);
}

static void test_hybrid_bad_reply(void **state)
{
	struct hybrid_peer p = {.reply = "ERR no listener\n", .close_after = true};
	int fd = hybrid_peer_start(&p);
	struct kata_error err = {0};
	assert_int_equal(channel_hybrid_handshake(fd, 1024, 1000, &err), -ECONNREFUSED);
	assert_string_equal(err.msg, "hybrid vsock: CONNECT 1024 was answered \"ERR no listener\"");
	hybrid_peer_join(&p);
	close(fd);

	struct hybrid_peer q = {.reply = "OK notaport\n", .close_after = true};
	fd = hybrid_peer_start(&q);
	assert_int_equal(channel_hybrid_handshake(fd, 5000, 1000, &err), -ECONNREFUSED);
	assert_non_null(strstr(err.msg, "\"OK notaport\""));
	hybrid_peer_join(&q);
	close(fd);
}

static void test_hybrid_peer_closes(void **state)
{
	struct hybrid_peer p = {.reply = "OK 12", .close_after = true}; /* no newline */
	int fd = hybrid_peer_start(&p);
	struct kata_error err = {0};
	assert_int_equal(channel_hybrid_handshake(fd, 1024, 1000, &err), -ECONNRESET);
	assert_non_null(strstr(err.msg, "connection closed before a reply to CONNECT 1024"));
	hybrid_peer_join(&p);
	close(fd);
}

static void test_hybrid_timeout(void **state)
{
	struct hybrid_peer p = {.reply = NULL};
	int fd = hybrid_peer_start(&p);
	struct kata_error err = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(channel_hybrid_handshake(fd, 1024, 100, &err), -ETIMEDOUT);
	/* Not cut short; that it did not hang is shown by the message: the peer hangs up at 300 ms. */
	assert_true(elapsed_ms(&t0) >= 90);
	assert_string_equal(err.msg, "hybrid vsock: no reply to CONNECT 1024 within 100 ms");
	close(fd);
	hybrid_peer_join(&p);
}

static void test_hybrid_reply_framing(void **state)
{
	/* A reply split over many writes is one line; what follows it is the agent's. */
	struct hybrid_peer p = {.reply = "OK 1025\nAB", .close_after = true, .dribble = true};
	int fd = hybrid_peer_start(&p);
	struct kata_error err = {0};
	assert_int_equal(channel_hybrid_handshake(fd, 1024, 2000, &err), 0);
	char buf[8] = "";
	hybrid_peer_join(&p);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 2);
	assert_string_equal(buf, "AB");
	close(fd);

	/* A reply line longer than any "OK <port>" is refused, not read forever. */
	char long_reply[200];
	memset(long_reply, 'X', sizeof(long_reply) - 2);
	long_reply[sizeof(long_reply) - 2] = '\n';
	long_reply[sizeof(long_reply) - 1] = '\0';
	struct hybrid_peer q = {.reply = long_reply, .close_after = true};
	fd = hybrid_peer_start(&q);
	assert_int_equal(channel_hybrid_handshake(fd, 1024, 1000, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "reply to CONNECT 1024 is too long"));
	close(fd);
	hybrid_peer_join(&q);

	/* An empty line and "OK" without a port are errors too. */
	const char *bad[] = {"\n", "OK\n", "OK 12 extra\n", "ok 12\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct hybrid_peer b = {.reply = bad[i], .close_after = true};
		fd = hybrid_peer_start(&b);
		assert_int_equal(channel_hybrid_handshake(fd, 1024, 1000, &err), -ECONNREFUSED);
		assert_non_null(strstr(err.msg, "CONNECT 1024 was answered"));
		close(fd);
		hybrid_peer_join(&b);
	}
}

static void test_vsock_without_vhost_vsock(void **state)
{
	if (access("/dev/vhost-vsock", F_OK) == 0)
		skip(); /* this host has vhost-vsock: the fallback cannot be seen here */
	struct channel_config cfg;
	struct kata_error err = {0};
	const char *why = NULL;
	/* Auto: virtio-serial, saying why. */
	assert_int_equal(channel_prepare(&cfg, "/run/kata/x", -1, &why, &err), 0);
	assert_int_equal(cfg.kind, CHANNEL_VIRTIO_SERIAL);
	assert_string_equal(why, "virtio-serial: /dev/vhost-vsock is missing");
	assert_int_equal(cfg.vhost_fd, -1);
	/* Asked for by name: an error, not a silent fallback. */
	assert_int_equal(channel_prepare(&cfg, "/run/kata/x", CHANNEL_VSOCK, &why, &err), -ENOENT);
	assert_string_equal(err.msg, "vsock channel requested: opening /dev/vhost-vsock: No "
				     "such file or directory");
}

/* A unix socket server that appears after a delay and serves scripted connections. */
struct late_server {
	char path[108];
	int delay_ms;
	int hangups;	   /* connections closed right after reading, before one good reply */
	const char *reply; /* NULL: accept and keep the connection (virtio-serial) */
	int accepted;
	pthread_t thread;
};

static void *late_server_main(void *arg)
{
	struct late_server *ls = arg;
	sleep_ms(ls->delay_ms);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, ls->path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 4) < 0)
		return NULL;
	for (int i = 0; i <= ls->hangups; i++) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		ls->accepted++;
		if (ls->reply) {
			char line[64];
			ssize_t n = read(c, line, sizeof(line));
			(void)n;
			if (i == ls->hangups && write(c, ls->reply, strlen(ls->reply)) < 0)
				break;
		}
		if (i == ls->hangups)
			sleep_ms(100); /* let the client read before we hang up */
		close(c);
	}
	close(s);
	return NULL;
}

static void make_dir(char *dir)
{
	assert_non_null(mkdtemp(dir));
}

static void test_hybrid_connect_retries_until_listener(void **state)
{
	char dir[] = "/tmp/kata-test-chan-XXXXXX";
	make_dir(dir);
	struct channel_config cfg;
	struct kata_error err = {0};
	const char *why = NULL;
	assert_int_equal(channel_prepare(&cfg, dir, CHANNEL_HYBRID_VSOCK, &why, &err), 0);
	assert_int_equal(cfg.kind, CHANNEL_HYBRID_VSOCK);
	assert_int_equal(cfg.port, AGENT_VSOCK_PORT);

	struct late_server ls = {.delay_ms = 100, .hangups = 2, .reply = "OK 77\n"};
	snprintf(ls.path, sizeof(ls.path), "%s", cfg.socket_path);
	assert_int_equal(pthread_create(&ls.thread, NULL, late_server_main, &ls), 0);
	int fd = channel_connect(&cfg, 3000, &err);
	assert_true(fd >= 0);
	pthread_join(ls.thread, NULL);
	assert_int_equal(ls.accepted, 3);
	close(fd);

	/* Nobody there at all: a clean timeout naming the socket. */
	unlink(cfg.socket_path);
	assert_int_equal(channel_connect(&cfg, 100, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, cfg.socket_path));
	channel_release(&cfg);
	rmdir(dir);
}

static void test_virtio_serial_connect_late_socket(void **state)
{
	char dir[] = "/tmp/kata-test-chan-XXXXXX";
	make_dir(dir);
	struct channel_config cfg;
	struct kata_error err = {0};
	const char *why = NULL;
	assert_int_equal(channel_prepare(&cfg, dir, CHANNEL_VIRTIO_SERIAL, &why, &err), 0);
	assert_string_equal(why, "virtio-serial: requested by configuration");
	char expect[128];
	snprintf(expect, sizeof(expect), "%s/agent.sock", dir);
	assert_string_equal(cfg.socket_path, expect);
	assert_int_equal(cfg.vhost_fd, -1);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(channel_connect(&cfg, 100, &err), -ETIMEDOUT);
	assert_true(elapsed_ms(&t0) >= 90);
	assert_non_null(strstr(err.msg, "not ready after 100 ms"));

	struct late_server ls = {.delay_ms = 150};
	snprintf(ls.path, sizeof(ls.path), "%s", cfg.socket_path);
	assert_int_equal(pthread_create(&ls.thread, NULL, late_server_main, &ls), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fd = channel_connect(&cfg, 3000, &err);
	assert_true(fd >= 0);
	assert_true(elapsed_ms(&t0) >= 140);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	pthread_join(ls.thread, NULL);
	unlink(cfg.socket_path);
	rmdir(dir);
}

static bool argv_has(const struct strv *argv, const char *s)
{
	for (size_t i = 0; i < argv->n; i++)
		if (strcmp(argv->v[i], s) == 0)
			return true;
	return false;
}

static void test_prepare_and_qemu_args(void **state)
{
	struct channel_config cfg;
	struct kata_error err = {0};
	const char *why = NULL;

	/* Auto: vsock where /dev/vhost-vsock works, virtio-serial elsewhere; either way explained.
	 */
	assert_int_equal(channel_prepare(&cfg, "/run/kata/x", -1, &why, &err), 0);
	assert_non_null(why);
	assert_non_null(strstr(why, channel_kind_name(cfg.kind)));
	struct strv argv = {0};
	assert_int_equal(channel_qemu_args(&cfg, &argv, &err), 0);
	if (cfg.kind == CHANNEL_VIRTIO_SERIAL) {
		assert_true(argv_has(&argv, "virtio-serial-device"));
		assert_true(argv_has(&argv, "socket,id=agentchan,path=/run/kata/x/agent.sock,"
					    "server=on,wait=off"));
		assert_true(
		    argv_has(&argv, "virtserialport,chardev=agentchan,name=agent.channel.0"));
	}
	strv_clear(&argv);
	channel_release(&cfg);

	struct channel_config vs = {.kind = CHANNEL_VSOCK, .guest_cid = 5, .vhost_fd = 7};
	assert_int_equal(channel_qemu_args(&vs, &argv, &err), 0);
	assert_true(argv_has(&argv, "vhost-vsock-device,id=vsock0,guest-cid=5,vhostfd=7"));
	strv_clear(&argv);
	vs.vhost_fd = -1;
	assert_int_equal(channel_qemu_args(&vs, &argv, &err), -EINVAL);

	/* Commas in paths are doubled for QEMU's option parser. */
	assert_int_equal(channel_prepare(&cfg, "/run/a,b", CHANNEL_VIRTIO_SERIAL, &why, &err), 0);
	assert_int_equal(channel_qemu_args(&cfg, &argv, &err), 0);
	assert_true(
	    argv_has(&argv, "socket,id=agentchan,path=/run/a,,b/agent.sock,server=on,wait=off"));
	strv_clear(&argv);

	assert_int_equal(channel_prepare(&cfg, "/run/kata/x", CHANNEL_HYBRID_VSOCK, &why, &err), 0);
	assert_string_equal(cfg.socket_path, "/run/kata/x/kata.hvsock");
	assert_int_equal(channel_qemu_args(&cfg, &argv, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "not supported by the QEMU driver"));
	strv_clear(&argv);

	char long_dir[200];
	memset(long_dir, 'a', sizeof(long_dir) - 1);
	long_dir[0] = '/';
	long_dir[sizeof(long_dir) - 1] = '\0';
	assert_int_equal(channel_prepare(&cfg, long_dir, CHANNEL_VIRTIO_SERIAL, &why, &err),
			 -ENAMETOOLONG);
	assert_int_equal(channel_prepare(&cfg, "/run", 42, &why, &err), -EINVAL);
	assert_string_equal(channel_kind_name(CHANNEL_HYBRID_VSOCK), "hybrid-vsock");
}

static void test_vsock_connect_fails_cleanly(void **state)
{
	/* No guest has this CID: an error with the address, within the timeout. */
	struct channel_config cfg = {
	    .kind = CHANNEL_VSOCK, .guest_cid = 4000000000u, .vhost_fd = -1, .port = 1024};
	struct kata_error err = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = channel_connect(&cfg, 200, &err);
	assert_true(r < 0);
	assert_true(elapsed_ms(&t0) < 1500);
	assert_non_null(strstr(err.msg, "vsock 4000000000:1024"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hybrid_good_handshake),
	    cmocka_unit_test(test_hybrid_bad_reply),
	    cmocka_unit_test(test_hybrid_peer_closes),
	    cmocka_unit_test(test_hybrid_timeout),
	    cmocka_unit_test(test_hybrid_reply_framing),
	    cmocka_unit_test(test_vsock_without_vhost_vsock),
	    cmocka_unit_test(test_hybrid_connect_retries_until_listener),
	    cmocka_unit_test(test_virtio_serial_connect_late_socket),
	    cmocka_unit_test(test_prepare_and_qemu_args),
	    cmocka_unit_test(test_vsock_connect_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
