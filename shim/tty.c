/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminals. libkata hands a pty master over runc's console-socket protocol; the shim receives
 * it and relays it to containerd's fifos: stdin fifo -> master, master -> stdout fifo. Resizes
 * go to the master; the monitor (or exec stand-in) holds the slave as its controlling terminal
 * and passes them on to the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "shim.h"

struct tty_relay {
	int master, in_fd, out_fd;
	struct watch w_master, w_in;
};

int tty_console_socket(char *dir, size_t dirlen, char *path, size_t pathlen, int *ret_fd)
{
	snprintf(dir, dirlen, "/tmp/kata-shim-tty.XXXXXX");
	if (!mkdtemp(dir))
		return -errno;
	snprintf(path, pathlen, "%s/console.sock", dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int rc = -errno;
		if (fd >= 0)
			close(fd);
		unlink(path);
		rmdir(dir);
		return rc;
	}
	*ret_fd = fd;
	return 0;
}

/* The master arrives as SCM_RIGHTS on the one connection libkata made. */
static int receive_master(int listen_fd)
{
	struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
	if (poll(&pfd, 1, 10000) <= 0)
		return -ETIMEDOUT;
	int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return -errno;
	char name[256];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	close(conn);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static int watch_fd(struct shim *s, int fd, struct watch *w, struct tty_relay *t)
{
	*w = (struct watch){.kind = WATCH_TTY, .ptr = t};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENXIO)
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int tty_relay_start(struct shim *s, struct proc *p, int listen_fd, const char *dir)
{
	int master = p ? receive_master(listen_fd) : -EBADF;
	close(listen_fd);
	char path[128];
	snprintf(path, sizeof(path), "%s/console.sock", dir);
	unlink(path);
	rmdir(dir);
	if (!p)
		return 0;
	if (master < 0)
		return master;
	struct tty_relay *t = calloc(1, sizeof(*t));
	if (!t) {
		close(master);
		return -ENOMEM;
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	t->master = master;
	t->in_fd = p->stdin_path ? open(p->stdin_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
	t->out_fd = p->stdout_path ? open_output(p->stdout_path) : -1;
	p->tty = t;
	int rc = watch_fd(s, master, &t->w_master, t);
	if (rc >= 0 && t->in_fd >= 0)
		rc = watch_fd(s, t->in_fd, &t->w_in, t);
	return rc;
}

static void stop_stdin(struct shim *s, struct tty_relay *t)
{
	if (t->in_fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, t->in_fd, NULL);
	close(t->in_fd);
	t->in_fd = -1;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			if (poll(&pfd, 1, 5000) <= 0)
				return;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

/* Copies what the master has to stdout; false once the slave side is gone. */
static bool pump_output(struct tty_relay *t)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(t->master, buf, sizeof(buf));
		if (n > 0) {
			if (t->out_fd >= 0)
				write_all(t->out_fd, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN; /* EIO: every slave fd closed */
	}
}

void tty_relay_on_event(struct shim *s, struct tty_relay *t, uint32_t events)
{
	if (t->master >= 0 && !pump_output(t)) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, t->master, NULL);
		close(t->master);
		t->master = -1;
		stop_stdin(s, t);
		return;
	}
	char buf[16384];
	while (t->in_fd >= 0) {
		ssize_t n = read(t->in_fd, buf, sizeof(buf));
		if (n > 0 && t->master >= 0) {
			write_all(t->master, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		stop_stdin(s, t); /* EOF: the fifo's writers are gone */
	}
}

int tty_resize(struct proc *p, unsigned width, unsigned height)
{
	struct winsize ws = {.ws_row = (unsigned short)height, .ws_col = (unsigned short)width};
	if (!p->tty || p->tty->master < 0) {
		errno = ENOTTY;
		return -1;
	}
	return ioctl(p->tty->master, TIOCSWINSZ, &ws);
}

int tty_close_stdin(struct proc *p)
{
	/* Not watched any more; the fd itself goes when the relay is freed. */
	if (p->tty && p->tty->in_fd >= 0) {
		close(p->tty->in_fd);
		p->tty->in_fd = -1;
	}
	return 0;
}

void tty_relay_free(struct shim *s, struct proc *p)
{
	struct tty_relay *t = p->tty;
	if (!t)
		return;
	if (t->master >= 0) {
		pump_output(t);
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, t->master, NULL);
		close(t->master);
	}
	stop_stdin(s, t);
	if (t->out_fd >= 0)
		close(t->out_fd);
	free(t);
	p->tty = NULL;
}
