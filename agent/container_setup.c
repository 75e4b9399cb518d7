/* SPDX-License-Identifier: Apache-2.0 */
#include "container_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "in_root.h"
#include "mount_options.h"
#include "mounts.h"

static const Grpc__Mount default_dev_mount = {
    .destination = "/dev",
    .source = "tmpfs",
    .type = "tmpfs",
    .options = (char *[]){"nosuid", "strictatime", "mode=755", "size=65536k"},
    .n_options = 4,
};

static const Grpc__Mount *find_mount(const Grpc__Spec *spec, const char *dest)
{
	const Grpc__Mount *found = NULL;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const char *d = spec->mounts[i]->destination;
		if (!d)
			continue;
		size_t len = strlen(d);
		while (len > 1 && d[len - 1] == '/')
			len--;
		if (strlen(dest) == len && strncmp(d, dest, len) == 0)
			found = spec->mounts[i];
	}
	return found;
}

static bool is_bind(const Grpc__Mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
			return true;
	return false;
}

static int setup_propagation(const Grpc__Spec *spec, struct kata_error *err)
{
	unsigned long prop = MS_SLAVE | MS_REC;
	const char *want = spec->linux ? spec->linux->rootfspropagation : NULL;
	if (want && *want) {
		prop = mount_propagation_from_string(want);
		if (!prop)
			return kata_fail(err, EINVAL, "unknown rootfsPropagation \"%s\"", want);
	}
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return kata_fail_errno(err, errno, "set propagation of \"/\"");
	return 0;
}

static int pivot_into(const char *rootfs, struct kata_error *err)
{
	if (chdir(rootfs) < 0)
		return kata_fail_errno(err, errno, "chdir to rootfs \"%s\"", rootfs);
	/* Stack the old root under the new one, then detach it: no temporary directory needed. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return kata_fail_errno(err, errno, "pivot_root into \"%s\"", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return kata_fail_errno(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return kata_fail_errno(err, errno, "chdir /");
	return 0;
}

static int mask_paths(const Grpc__Linux *l, struct kata_error *err)
{
	for (size_t i = 0; l && i < l->n_maskedpaths; i++) {
		const char *p = l->maskedpaths[i];
		struct stat st;
		if (stat(p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return kata_fail_errno(err, errno, "masked path \"%s\"", p);
		}
		int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL)
					     : mount("/dev/null", p, NULL, MS_BIND, NULL);
		if (rc < 0)
			return kata_fail_errno(err, errno, "mask \"%s\"", p);
	}
	return 0;
}

static int readonly_paths(const Grpc__Linux *l, struct kata_error *err)
{
	for (size_t i = 0; l && i < l->n_readonlypaths; i++) {
		const char *p = l->readonlypaths[i];
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return kata_fail_errno(err, errno, "bind read-only path \"%s\"", p);
		}
		if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return kata_fail_errno(err, errno, "remount \"%s\" read-only", p);
	}
	return 0;
}

int container_setup_rootfs(const Grpc__Spec *spec, struct kata_error *err)
{
	if (!spec->root || !spec->root->path || spec->root->path[0] != '/')
		return kata_fail(err, EINVAL, "root.path must be an absolute guest path");
	const char *rootfs = spec->root->path;

	int rc = setup_propagation(spec, err);
	if (rc < 0)
		return rc;
	/* pivot_root needs the rootfs to be a mount point. */
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kata_fail_errno(err, errno, "bind mount rootfs \"%s\"", rootfs);
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return kata_fail_errno(err, errno, "open rootfs \"%s\"", rootfs);

	const Grpc__Mount *dev = find_mount(spec, "/dev");
	if (!dev) {
		rc = mount_spec_entry(rootfd, &default_dev_mount, err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		rc = mount_spec_entry(rootfd, spec->mounts[i], err);
		if (rc < 0)
			return rc;
	}
	/* A /dev bind-mounted from the guest already has its nodes. */
	if (!dev || !is_bind(dev)) {
		rc = devices_create(rootfd, spec->linux, err);
		if (rc < 0)
			return rc;
		rc = devices_create_symlinks(rootfd, err);
		if (rc < 0)
			return rc;
	}

	rc = pivot_into(rootfs, err);
	if (rc < 0)
		return rc;
	rc = readonly_paths(spec->linux, err);
	if (rc < 0)
		return rc;
	rc = mask_paths(spec->linux, err);
	if (rc < 0)
		return rc;
	if (spec->root->readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return kata_fail_errno(err, errno, "remount \"/\" read-only");
	return 0;
}

int container_setup_sysctl(const Grpc__Linux *l, struct kata_error *err)
{
	for (size_t i = 0; l && i < l->n_sysctl; i++) {
		const char *key = l->sysctl[i]->key, *val = l->sysctl[i]->value;
		char path[512];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
		if (n < 0 || (size_t)n >= sizeof(path) || path_has_dotdot(key))
			return kata_fail(err, EINVAL, "sysctl \"%s\": bad name", key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return kata_fail_errno(err, errno, "sysctl \"%s\"", key);
		size_t len = strlen(val ? val : "");
		if (write(fd, val ? val : "", len) != (ssize_t)len)
			return kata_fail_errno(err, errno, "sysctl \"%s\" = \"%s\"", key, val);
	}
	return 0;
}
