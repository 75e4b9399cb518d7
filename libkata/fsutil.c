/* SPDX-License-Identifier: Apache-2.0 */
#define _XOPEN_SOURCE 700
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "strv.h"

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			unlink(tmp);
			return -e;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	return 0;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, len = 0;
	cleanup_free char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= max)
				return -EFBIG;
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = steal_ptr(buf);
	return 0;
}

static int path_is_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int umount_below(const char *dir)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	if (!tb)
		return -errno ? -errno : -ENOMEM;
	cleanup_strv struct strv targets = {0};
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	int rc = 0;
	/* Backward order lists later (deeper, stacked) mounts first. */
	while (it && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);
		if (target && path_is_below(target, dir) && strv_add(&targets, target) < 0)
			rc = -ENOMEM;
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	for (size_t i = 0; i < targets.n; i++)
		if (umount2(targets.v[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			rc = -errno;
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *dir)
{
	int rc = umount_below(dir);
	if (rc < 0)
		return rc;
	/* FTW_MOUNT: never descend into another filesystem, whatever happened above. */
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int proc_start_time(pid_t pid, unsigned long long *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_free char *buf = NULL;
	int rc = read_file(path, 1 << 16, &buf, NULL);
	if (rc < 0)
		return rc;
	/* The command name may contain spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p++;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EINVAL;
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

int process_alive(pid_t pid, unsigned long long start_time)
{
	if (pid <= 0)
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	unsigned long long now;
	if (proc_start_time(pid, &now) < 0)
		return 0;
	if (start_time && now != start_time)
		return 0;
	/* A zombie has exited: it only waits for its parent to reap it. */
	char path[64], state = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_file FILE *f = fopen(path, "re");
	if (f && fscanf(f, "%*d %*[^)]) %c", &state) == 1 && (state == 'Z' || state == 'X'))
		return 0;
	return 1;
}

bool file_equals_at(int dirfd, const char *name, const char *want)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = strlen(want);
	char buf[8192];
	if (len >= sizeof(buf))
		return false;
	/* One read more than `want` would need, so a longer file does not compare equal. */
	ssize_t n = read(fd, buf, len + 1);
	return n == (ssize_t)len && memcmp(buf, want, len) == 0;
}
