/* SPDX-License-Identifier: Apache-2.0 */
#include "hostcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

static void read_boot_id(char *buf, size_t size)
{
	snprintf(buf, size, "unknown");
	cleanup_close int fd = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, size - 1);
	if (n <= 0) {
		snprintf(buf, size, "unknown");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int hostcache_read(const char *cache_dir, const char *name, char *buf, size_t size)
{
	char path[4096], boot_id[64], data[8192]; /* keys hold up to two paths */
	if (!cache_dir ||
	    snprintf(path, sizeof(path), "%s/%s", cache_dir, name) >= (int)sizeof(path))
		return -ENOENT;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, data, sizeof(data) - 1);
	if (n <= 0)
		return -ENOENT;
	data[n] = '\0';
	char *nl = strchr(data, '\n');
	if (!nl)
		return -ENOENT;
	*nl = '\0';
	read_boot_id(boot_id, sizeof(boot_id));
	if (strcmp(data, boot_id) != 0)
		return -ENOENT;
	char *value = nl + 1;
	value[strcspn(value, "\n")] = '\0';
	if ((size_t)snprintf(buf, size, "%s", value) >= size)
		return -ENOENT;
	return 0;
}

static int mkdir_parents(const char *dir, struct kata_error *err)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return kata_fail(err, ENAMETOOLONG, "cache directory %s is too long", dir);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return kata_fail_errno(err, errno, "creating cache directory %s", path);
		*p = c;
		if (!c)
			return 0;
	}
}

int hostcache_write(const char *cache_dir, const char *name, const char *value,
		    struct kata_error *err)
{
	char path[4096], tmp[4200], boot_id[64];
	if (!cache_dir)
		return 0;
	int r = mkdir_parents(cache_dir, err);
	if (r < 0)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s", cache_dir, name) >= (int)sizeof(path))
		return kata_fail(err, ENAMETOOLONG, "cache file %s/%s: path too long", cache_dir,
				 name);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	read_boot_id(boot_id, sizeof(boot_id));

	cleanup_file FILE *f = NULL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return kata_fail_errno(err, errno, "writing cache file %s", tmp);
	f = fdopen(fd, "w");
	if (!f) {
		r = kata_fail_errno(err, errno, "writing cache file %s", tmp);
		close(fd);
		unlink(tmp);
		return r;
	}
	fprintf(f, "%s\n%s\n", boot_id, value);
	int failed = ferror(f) != 0;
	FILE *done = steal_ptr(f);
	if (fclose(done) != 0 || failed) {
		r = kata_fail_errno(err, errno ? errno : EIO, "writing cache file %s", tmp);
		unlink(tmp);
		return r;
	}
	/* rename(2) is atomic: concurrent readers see the old file or the new one, never half. */
	if (rename(tmp, path) < 0) {
		r = kata_fail_errno(err, errno, "renaming %s to %s", tmp, path);
		unlink(tmp);
		return r;
	}
	return 0;
}

int hostcache_lock(const char *cache_dir, const char *name, struct kata_error *err)
{
	char path[4096];
	int r = mkdir_parents(cache_dir, err);
	if (r < 0)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s.lock", cache_dir, name) >= (int)sizeof(path))
		return kata_fail(err, ENAMETOOLONG, "cache lock %s/%s: path too long", cache_dir,
				 name);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return kata_fail_errno(err, errno, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = kata_fail_errno(err, errno, "locking %s", path);
			close(fd);
			return r;
		}
	}
	return fd;
}

int hostcache_file_id(const char *path, char *buf, size_t size)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		snprintf(buf, size, "%s:-", path);
		return -e;
	}
	snprintf(buf, size, "%s:%lld.%09ld:%lld", path, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (long long)st.st_size);
	return 0;
}
