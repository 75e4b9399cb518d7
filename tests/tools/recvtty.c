/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recvtty SOCKET: a console-socket receiver for tests. Listens on SOCKET, accepts one
 * connection, takes the pty master passed with SCM_RIGHTS, then copies the master's output to
 * stdout and stdin to the master until the master hangs up.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive_fd(int conn)
{
	char name[256];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: recvtty SOCKET\n");
		return 2;
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 1) < 0) {
		perror("recvtty: listen");
		return 1;
	}
	int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	int master = conn < 0 ? -1 : receive_fd(conn);
	if (master < 0) {
		fprintf(stderr, "recvtty: no pty received\n");
		return 1;
	}
	struct pollfd p[2] = {{.fd = master, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
	char buf[4096];
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n <= 0)
				return 0;
			if (write(1, buf, (size_t)n) < 0)
				return 1;
		}
		if (p[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0)
				p[1].fd = -1;
			else if (write(master, buf, (size_t)n) < 0)
				return 1;
		}
	}
}
