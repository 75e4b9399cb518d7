/* SPDX-License-Identifier: Apache-2.0 */
#include "sockutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

void sleep_until_at_most(int64_t deadline, int ms)
{
	int left = deadline_left(deadline);
	if (ms > left)
		ms = left;
	if (ms <= 0)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int wait_fd_until(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, deadline_left(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int send_all_until(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		int r = wait_fd_until(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One attempt: the connected fd, or -errno (-EAGAIN when the listen backlog is full). */
static int unix_connect_once(const struct sockaddr_un *sa)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Non-blocking so that a server that stopped accepting cannot hang us past the deadline. */
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return errno == EINPROGRESS ? -EAGAIN : -errno;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return -errno;
	return steal_fd(fd);
}

int unix_connect_retry(const char *path, int timeout_ms, const char *what, struct kata_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return kata_fail(err, ENAMETOOLONG, "%s socket path %s is too long", what, path);
	strcpy(sa.sun_path, path);

	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int delay = 1;
	for (;;) {
		int fd = unix_connect_once(&sa);
		if (fd >= 0)
			return fd;
		if (fd != -ENOENT && fd != -ECONNREFUSED && fd != -EAGAIN)
			return kata_fail_errno(err, -fd, "connecting to %s at %s", what, path);
		if (deadline_left(deadline) == 0)
			return kata_fail(err, ETIMEDOUT,
					 "connecting to %s at %s: not ready after %d ms (%s)", what,
					 path, timeout_ms, strerror(-fd));
		sleep_until_at_most(deadline, delay);
		if (delay < 20)
			delay *= 2;
	}
}
