/* SPDX-License-Identifier: Apache-2.0 */
#include "control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

static int socket_address(const char *dir, struct sockaddr_un *addr, struct kata_error *err)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/monitor.sock", dir) >=
	    (int)sizeof(addr->sun_path))
		return kata_fail(err, ENAMETOOLONG,
				 "%s/monitor.sock: path longer than a unix socket allows (use a "
				 "shorter --root)",
				 dir);
	return 0;
}

int control_listen(const char *dir, struct kata_error *err)
{
	struct sockaddr_un addr;
	int rc = socket_address(dir, &addr, err);
	if (rc < 0)
		return rc;
	cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "socket");
	unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return kata_fail_errno(err, errno, "bind %s", addr.sun_path);
	if (chmod(addr.sun_path, 0600) < 0 || listen(fd, 16) < 0)
		return kata_fail_errno(err, errno, "listen %s", addr.sun_path);
	return steal_fd(fd);
}

int control_call(const char *dir, const struct control_request *req, int timeout_ms,
		 struct kata_error *err)
{
	struct sockaddr_un addr;
	int rc = socket_address(dir, &addr, err);
	if (rc < 0)
		return rc;
	cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return kata_fail_errno(err, errno, "connect to the container's monitor");
	if (send(fd, req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req))
		return kata_fail_errno(err, errno, "send to the container's monitor");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return kata_fail(err, ETIMEDOUT, "the container's monitor did not answer in %d ms",
				 timeout_ms);
	struct control_reply reply = {0};
	ssize_t got = recv(fd, &reply, sizeof(reply), 0);
	if (got != (ssize_t)sizeof(reply))
		return kata_fail(err, EPIPE, "the container's monitor closed the connection");
	reply.msg[sizeof(reply.msg) - 1] = '\0';
	if (reply.status != 0)
		return kata_fail(err, reply.status, "%s", reply.msg);
	return 0;
}
