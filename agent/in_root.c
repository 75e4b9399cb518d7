/* SPDX-License-Identifier: Apache-2.0 */
#include "in_root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "cleanup.h"

bool path_has_dotdot(const char *path)
{
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		if (p - c == 2 && c[0] == '.' && c[1] == '.')
			return true;
	}
	return false;
}

int in_root_open(int rootfd, const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int in_root_mkpath(int rootfd, const char *path, enum in_root_kind kind)
{
	char prefix[4096];
	size_t len = strlen(path);
	if (len >= sizeof(prefix))
		return -ENAMETOOLONG;

	cleanup_close int parent = in_root_open(rootfd, "/");
	if (parent < 0)
		return parent;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return steal_fd(parent);
		const char *comp = p;
		while (*p && *p != '/')
			p++;
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';
		size_t plen = (size_t)(p - path);
		memcpy(prefix, path, plen);
		prefix[plen] = '\0';

		int fd = in_root_open(rootfd, prefix);
		if (fd == -ENOENT) {
			char name[256];
			size_t clen = (size_t)(p - comp);
			if (clen >= sizeof(name))
				return -ENAMETOOLONG;
			memcpy(name, comp, clen);
			name[clen] = '\0';
			if (last && kind == IN_ROOT_FILE) {
				int f = openat(parent, name,
					       O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (f < 0 && errno != EEXIST)
					return -errno;
				if (f >= 0)
					close(f);
			} else if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
				return -errno;
			}
			fd = in_root_open(rootfd, prefix);
		}
		if (fd < 0)
			return fd;
		close(parent);
		parent = fd;
	}
}

void fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}
