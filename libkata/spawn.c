/* SPDX-License-Identifier: Apache-2.0 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"

/* In the child: the caller's chosen fds become 0, 1, 2. Each is first copied above the report
 * pipe, so one dup2 cannot clobber another's source (stdio[1] may be 0, for example). */
static int install_stdio(const int stdio[3], int pipe_fd)
{
	int high[3];
	for (int i = 0; i < 3; i++) {
		high[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, pipe_fd + 1);
		if (high[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(high[i], i) < 0)
			return -errno;
	return 0;
}

pid_t spawn_with_report_pipe(const int *stdio, int *ret_fd, struct kata_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return kata_fail_errno(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return kata_fail_errno(err, errno, "fork");
	}
	if (child == 0) {
		close(p[0]);
		if (stdio && p[1] < 3) {
			/* The caller had closed stdio: keep the pipe clear of 0-2. */
			int hi = fcntl(p[1], F_DUPFD_CLOEXEC, 3);
			if (hi < 0)
				_exit(127);
			p[1] = hi;
		}
		if (stdio && install_stdio(stdio, p[1]) < 0)
			_exit(127);
		if (p[1] > 3)
			close_range(3, (unsigned)p[1] - 1, 0);
		close_range((unsigned)p[1] + 1, ~0U, 0);
		*ret_fd = p[1];
		return 0;
	}
	close(p[1]);
	*ret_fd = p[0];
	return child;
}

int spawn_read_report(int fd, void *report, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)report + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

int write_pid_file(const char *path, pid_t pid, struct kata_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int rc = write_file_atomic(path, buf, (size_t)n);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "write pid file %s", path);
	return 0;
}
