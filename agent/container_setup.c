/* SPDX-License-Identifier: Apache-2.0 */
#include "container_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "in_root.h"
#include "log.h"
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
		int rc = mount_bind_remount(p, MS_RDONLY);
		if (rc < 0)
			return kata_fail_errno(err, -rc, "remount \"%s\" read-only", p);
	}
	return 0;
}

#define STAGE_BASE "/run/kata-agent-userns"

/* The staged copy of mount i (or of the rootfs when i is -1) below dir. */
static void staged_path(const char *dir, long i, char *buf, size_t size)
{
	if (i < 0)
		snprintf(buf, size, "%s/rootfs", dir);
	else
		snprintf(buf, size, "%s/%ld", dir, i);
}

static int stage_one(const char *source, const char *target, const char *what,
		     struct kata_error *err)
{
	struct stat st;
	if (stat(source, &st) < 0)
		return kata_fail_errno(err, errno, "%s: source \"%s\"", what, source);
	int rc = S_ISDIR(st.st_mode) ? mkdir(target, 0700) : mknod(target, S_IFREG | 0600, 0);
	if (rc < 0)
		return kata_fail_errno(err, errno, "%s: create \"%s\"", what, target);
	if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kata_fail_errno(err, errno, "%s: bind \"%s\" on \"%s\"", what, source,
				       target);
	return 0;
}

int container_stage_sources(const Grpc__Spec *spec, char *ret_dir, size_t size,
			    struct kata_error *err)
{
	if (!spec->root || !spec->root->path || spec->root->path[0] != '/')
		return kata_fail(err, EINVAL, "root.path must be an absolute guest path");
	if (mkdir(STAGE_BASE, 0711) < 0 && errno != EEXIST)
		return kata_fail_errno(err, errno, "mkdir %s", STAGE_BASE);
	snprintf(ret_dir, size, "%s/XXXXXX", STAGE_BASE);
	if (!mkdtemp(ret_dir))
		return kata_fail_errno(err, errno, "mkdtemp %s", ret_dir);
	/* Private: the agent's detach after the clone must not reach the child's copy. */
	if (mount("stage", ret_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0711") < 0 ||
	    mount(NULL, ret_dir, NULL, MS_PRIVATE, NULL) < 0) {
		int e = errno;
		container_unstage_sources(ret_dir);
		return kata_fail_errno(err, e, "mount the staging tmpfs on %s", ret_dir);
	}
	char target[PATH_MAX], what[64];
	staged_path(ret_dir, -1, target, sizeof(target));
	int rc = stage_one(spec->root->path, target, "root.path", err);
	for (size_t i = 0; rc == 0 && i < spec->n_mounts; i++) {
		const Grpc__Mount *m = spec->mounts[i];
		if (!is_bind(m) || !m->source || m->source[0] != '/')
			continue;
		staged_path(ret_dir, (long)i, target, sizeof(target));
		snprintf(what, sizeof(what), "mounts[%zu]", i);
		rc = stage_one(m->source, target, what, err);
	}
	if (rc < 0)
		container_unstage_sources(ret_dir);
	return rc;
}

void container_unstage_sources(const char *dir)
{
	if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL)
		log_warn("detach the staging directory %s: %s", dir, strerror(errno));
	if (rmdir(dir) < 0)
		log_warn("remove the staging directory %s: %s", dir, strerror(errno));
}

int container_setup_rootfs(const Grpc__Spec *spec, const char *stage_dir, struct kata_error *err)
{
	if (!spec->root || !spec->root->path || spec->root->path[0] != '/')
		return kata_fail(err, EINVAL, "root.path must be an absolute guest path");
	char staged_root[PATH_MAX], staged_source[PATH_MAX];
	if (stage_dir)
		staged_path(stage_dir, -1, staged_root, sizeof(staged_root));
	const char *rootfs = stage_dir ? staged_root : spec->root->path;

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
		rc = mount_spec_entry(rootfd, &default_dev_mount, NULL, err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const Grpc__Mount *m = spec->mounts[i];
		bool staged = stage_dir && is_bind(m) && m->source && m->source[0] == '/';
		if (staged)
			staged_path(stage_dir, (long)i, staged_source, sizeof(staged_source));
		rc = mount_spec_entry(rootfd, m, staged ? staged_source : NULL, err);
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
	/* runc's order: sysctls before readonlyPaths (docker lists /proc/sys there and sets
	 * net.ipv4.ip_unprivileged_port_start). */
	rc = container_setup_sysctl(spec->linux, err);
	if (rc < 0)
		return rc;
	rc = readonly_paths(spec->linux, err);
	if (rc < 0)
		return rc;
	rc = mask_paths(spec->linux, err);
	if (rc < 0)
		return rc;
	if (spec->root->readonly && (rc = mount_bind_remount("/", MS_RDONLY)) < 0)
		return kata_fail_errno(err, -rc, "remount \"/\" read-only");
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
