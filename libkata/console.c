/* SPDX-License-Identifier: Apache-2.0 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

int console_send(const char *path, int master, const char *name, struct kata_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >=
	    (int)sizeof(addr.sun_path))
		return kata_fail(err, ENAMETOOLONG, "console socket path \"%s\" is too long", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return kata_fail_errno(err, errno, "connect to console socket \"%s\"", path);
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
		return kata_fail_errno(err, errno, "send the console to \"%s\"", path);
	return 0;
}

int console_open_pty(const char *socket_path, int *ret_master, int *ret_slave,
		     struct kata_error *err)
{
	cleanup_close int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return kata_fail_errno(err, errno, "allocate a pty");
	char name[128];
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return kata_fail_errno(err, errno, "ptsname");
	cleanup_close int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return kata_fail_errno(err, errno, "open %s", name);
	struct termios t;
	if (tcgetattr(slave, &t) < 0)
		return kata_fail_errno(err, errno, "tcgetattr %s", name);
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) < 0)
		return kata_fail_errno(err, errno, "set %s raw", name);
	if (socket_path) {
		int rc = console_send(socket_path, master, name, err);
		if (rc < 0)
			return rc;
	}
	*ret_master = steal_fd(master);
	*ret_slave = steal_fd(slave);
	return 0;
}
