/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd's stdio fifos. containerd (or ctr) holds the other ends open before it asks for
 * the task. The read side (stdin) is opened non-blocking, as an open for reading must not
 * wait for a writer; the write sides are opened non-blocking too (an open for writing with no
 * reader fails at once rather than hanging the daemon), then made blocking for the monitor,
 * which writes output with plain blocking writes. An empty path gets /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "shim.h"

static int open_null(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static int open_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENXIO)
		/* No reader yet: hold one ourselves so the open cannot block. */
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

void stdio_close(int fds[3])
{
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int stdio_open(const char *in, const char *out, const char *err, int fds[3])
{
	fds[0] = fds[1] = fds[2] = -1;
	fds[0] = in && *in ? open(in, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : open_null();
	if (fds[0] < 0)
		goto fail;
	fds[1] = out && *out ? open_output(out) : open_null();
	if (fds[1] < 0)
		goto fail;
	fds[2] = err && *err ? open_output(err) : open_null();
	if (fds[2] < 0)
		goto fail;
	return 0;
fail:;
	int rc = errno ? -errno : -EIO; /* the failed open's */
	for (int i = 0; i < 3; i++)
		if (fds[i] < -1)
			fds[i] = -1;
	stdio_close(fds);
	return rc;
}
