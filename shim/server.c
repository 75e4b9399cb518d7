/* SPDX-License-Identifier: Apache-2.0 */
/* The shim daemon's loop: ttrpc connections from containerd, SIGCHLD, the task's exit fd. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "shim.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

#define TASK_SERVICE "containerd.task.v2.Task"

struct shim_conn {
	struct shim_conn *next;
	int fd;
	struct ttrpc_reader reader;
	struct watch watch;
};

bool server_conn_alive(struct shim *s, struct shim_conn *c)
{
	for (struct shim_conn *i = s->conns; i; i = i->next)
		if (i == c)
			return true;
	return false;
}

int server_reply(struct shim_conn *c, uint32_t stream_id, int code, const char *msg,
		 const void *proto_msg)
{
	int rc =
	    ttrpc_send_response(c->fd, stream_id, code, msg, code == TTRPC_OK ? proto_msg : NULL);
	if (rc < 0)
		shim_log("reply on stream %u: %s", stream_id, strerror(-rc));
	return rc;
}

static void conn_close(struct shim *s, struct shim_conn *c)
{
	task_drop_conn(s, c);
	for (struct shim_conn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ttrpc_reader_reset(&c->reader);
	free(c);
}

static void accept_conn(struct shim *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct shim_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	ttrpc_reader_init(&c->reader);
	c->watch = (struct watch){.kind = WATCH_CONN, .ptr = c};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->watch};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
}

static void handle_frame(struct shim *s, struct shim_conn *c, const struct ttrpc_frame_header *h,
			 uint8_t *payload)
{
	if (h->type != TTRPC_TYPE_REQUEST)
		return; /* no streaming methods in this API */
	Ttrpc__Request *req = ttrpc__request__unpack(NULL, h->length, payload);
	if (!req) {
		server_reply(c, h->stream_id, TTRPC_INVALID_ARGUMENT, "cannot decode ttrpc.Request",
			     NULL);
		return;
	}
	if (strcmp(req->service, TASK_SERVICE) != 0)
		server_reply(c, h->stream_id, TTRPC_UNIMPLEMENTED, "service not implemented", NULL);
	else
		task_dispatch(s, c, h->stream_id, req->method, req->payload.data, req->payload.len);
	ttrpc__request__free_unpacked(req, NULL);
}

static void read_conn(struct shim *s, struct shim_conn *c)
{
	for (;;) {
		struct ttrpc_frame_header h;
		uint8_t *payload = NULL;
		int rc = ttrpc_reader_read(&c->reader, c->fd, &h, &payload);
		if (rc == 0)
			return;
		if (rc < 0) {
			conn_close(s, c);
			return;
		}
		handle_frame(s, c, &h, payload);
		free(payload);
		/* A handler may have ended the daemon (Shutdown): stop reading. */
		if (s->shutdown || !server_conn_alive(s, c))
			return;
	}
}

static void reap_children(struct shim *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	for (;;) {
		int wstatus;
		pid_t pid = waitpid(-1, &wstatus, WNOHANG);
		if (pid <= 0)
			return;
		task_on_child_exit(s, pid, wstatus);
	}
}

static int setup_signals(struct shim *s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sigfd < 0 ? -errno : 0;
}

int server_run(struct shim *s)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	int rc = setup_signals(s);
	if (rc < 0)
		return rc;
	static struct watch listen_w = {.kind = WATCH_LISTEN}, sig_w = {.kind = WATCH_SIGNAL};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_w};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0)
		return -errno;
	ev.data.ptr = &sig_w;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev) < 0)
		return -errno;

	while (!s->shutdown) {
		struct epoll_event evs[16];
		int n = epoll_wait(s->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !s->shutdown; i++) {
			struct watch *w = evs[i].data.ptr;
			switch (w->kind) {
			case WATCH_LISTEN:
				accept_conn(s);
				break;
			/* These may free what later events of this batch point at (an exited
			 * or deleted process's terminal relay): poll afresh after them. The
			 * watches are level-triggered, so nothing is lost. */
			case WATCH_CONN:
				read_conn(s, w->ptr);
				i = n;
				break;
			case WATCH_SIGNAL:
				reap_children(s);
				i = n;
				break;
			case WATCH_EXIT:
				task_on_init_exit(s);
				i = n;
				break;
			case WATCH_TTY:
				tty_relay_on_event(s, w->ptr, evs[i].events);
				break;
			case WATCH_EVENTS:
				oom_on_event(s);
				break;
			}
		}
	}
	while (s->conns)
		conn_close(s, s->conns);
	return 0;
}
