/* SPDX-License-Identifier: Apache-2.0 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"

pid_t spawn_with_report_pipe(int *ret_fd, struct kata_error *err)
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
