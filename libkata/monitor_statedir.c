/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor watches its own state directory. Once someone removes it (rm -rf <root>/<id>),
 * no kata command can address the container any more: a VM kept running would be a leak
 * nobody could delete. The monitor stops the VM and exits instead.
 */
#include "monitor_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The parent is watched, not the directory: the directory's own IN_DELETE_SELF only comes once
 * its last reference goes, and the monitor and QEMU hold it as their working directory.
 */
int monitor_statedir_watch(const char *dir)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return -EINVAL;
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, parent,
			      IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

bool monitor_statedir_gone(int fd, const char *dir)
{
	/* Any event (a sibling deleted, the root moved) only prompts a look at dir itself. */
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool events = fd < 0;
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		events = true;
	struct stat st;
	return events && stat(dir, &st) < 0;
}
