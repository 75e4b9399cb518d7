/* SPDX-License-Identifier: Apache-2.0 */
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"

static int bind_console(const char *slave_path, struct kata_error *err)
{
	/* /dev is the container's tmpfs; O_NOFOLLOW keeps an image's symlink from redirecting. */
	int fd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return kata_fail_errno(err, errno, "create /dev/console");
	close(fd);
	if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return kata_fail_errno(err, errno, "bind mount %s on /dev/console", slave_path);
	return 0;
}

int terminal_setup(const Grpc__Process *p, bool bind, struct kata_error *err)
{
	cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return kata_fail_errno(
		    err, errno, "open /dev/ptmx for the terminal (is devpts mounted on /dev/pts?)");
	char path[64];
	if (unlockpt(master) < 0 || ptsname_r(master, path, sizeof(path)) != 0)
		return kata_fail_errno(err, errno, "set up the pty");
	cleanup_close int slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return kata_fail_errno(err, errno, "open pty slave %s", path);
	if (p->consolesize && p->consolesize->height && p->consolesize->width) {
		struct winsize ws = {.ws_row = (unsigned short)p->consolesize->height,
				     .ws_col = (unsigned short)p->consolesize->width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return kata_fail_errno(err, errno, "set the console size");
	}
	/* The process owns its terminal, as a login would arrange. */
	if (p->user && fchown(slave, p->user->uid, (gid_t)-1) < 0)
		return kata_fail_errno(err, errno, "chown %s", path);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return kata_fail_errno(err, errno, "make %s the controlling terminal", path);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return kata_fail_errno(err, errno, "dup2 the terminal");
	if (bind && bind_console(path, err) < 0)
		return -err->status;
	return steal_fd(master);
}
