/* SPDX-License-Identifier: Apache-2.0 */
#include "mounts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "in_root.h"
#include "log.h"
#include "mount_options.h"

static void cleanup_mount_options_fn(struct mount_options *o)
{
	mount_options_clear(o);
}
#define cleanup_mount_options __attribute__((cleanup(cleanup_mount_options_fn)))

/* Re-resolves the destination so later calls act on the new mount, not the one below it. */
static int reopen_target(int rootfd, const char *dest, char *path, size_t size,
			 struct kata_error *err)
{
	int fd = in_root_open(rootfd, dest);
	if (fd < 0)
		return kata_fail_errno(err, -fd, "open mount point \"%s\"", dest);
	fd_path(fd, path, size);
	return fd;
}

static int bind_remount(int rootfd, const Grpc__Mount *m, const struct mount_options *o,
			struct kata_error *err)
{
	char path[64];
	cleanup_close int fd = reopen_target(rootfd, m->destination, path, sizeof(path), err);
	if (fd < 0)
		return fd;
	unsigned long keep = o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | keep, NULL) < 0)
		return kata_fail_errno(err, errno, "remount \"%s\" with its options",
				       m->destination);
	return 0;
}

static int set_propagation(int rootfd, const Grpc__Mount *m, unsigned long propagation,
			   struct kata_error *err)
{
	char path[64];
	cleanup_close int fd = reopen_target(rootfd, m->destination, path, sizeof(path), err);
	if (fd < 0)
		return fd;
	if (mount(NULL, path, NULL, propagation, NULL) < 0)
		return kata_fail_errno(err, errno, "set propagation of \"%s\"", m->destination);
	return 0;
}

/* 1 with the guest path of the caller's cgroup when it has no cgroup namespace of its own
 * (it shares the agent's), 0 when it has one. */
static int own_cgroup_dir(char *buf, size_t size, struct kata_error *err)
{
	struct stat self, agent;
	if (stat("/proc/self/ns/cgroup", &self) < 0 || stat("/proc/1/ns/cgroup", &agent) < 0)
		return kata_fail_errno(err, errno, "stat the cgroup namespaces");
	if (self.st_ino != agent.st_ino || self.st_dev != agent.st_dev)
		return 0;
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "0::/", 4) != 0)
		return kata_fail(err, EIO, "cannot read the cgroup of the container");
	line[strcspn(line, "\n")] = '\0';
	snprintf(buf, size, "/sys/fs/cgroup%s", line + 3);
	return 1;
}

int mount_spec_entry(int rootfd, const Grpc__Mount *m, struct kata_error *err)
{
	const char *dest = m->destination;
	const char *type = m->type && *m->type ? m->type : NULL;
	const char *source = m->source && *m->source ? m->source : (type ? type : "none");

	if (!dest || !*dest)
		return kata_fail(err, EINVAL, "mount \"%s\": empty destination", source);
	if (path_has_dotdot(dest))
		return kata_fail(err, EINVAL, "mount destination \"%s\" has a \"..\" component",
				 dest);

	char cgroup_dir[4200];
	cleanup_mount_options struct mount_options o = {0};
	int rc = mount_options_parse(m->options, m->n_options, &o);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "options of mount \"%s\"", dest);

	bool bind = (o.flags & MS_BIND) || (type && strcmp(type, "bind") == 0);
	enum in_root_kind kind = IN_ROOT_DIR;
	if (!bind && type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)) {
		/* The guest has only the unified hierarchy, as runc does on cgroup v2 hosts. */
		type = "cgroup2";
		rc = own_cgroup_dir(cgroup_dir, sizeof(cgroup_dir), err);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			/* No cgroup namespace: a fresh cgroup2 mount would show the whole guest
			 * tree, so bind the container's own cgroup instead, as runc does. */
			source = cgroup_dir;
			bind = true;
		}
	}
	if (bind) {
		struct stat st;
		if (stat(source, &st) < 0)
			return kata_fail_errno(err, errno, "bind mount source \"%s\"", source);
		if (!S_ISDIR(st.st_mode))
			kind = IN_ROOT_FILE;
		o.flags |= MS_BIND;
		type = NULL;
	}

	cleanup_close int fd = in_root_mkpath(rootfd, dest, kind);
	if (fd < 0)
		return kata_fail_errno(err, -fd, "create mount point \"%s\"", dest);
	char target[64];
	fd_path(fd, target, sizeof(target));

	unsigned long flags = bind ? (o.flags & (MS_BIND | MS_REC)) : o.flags;
	const char *data = bind ? NULL : o.data;
	if (bind && o.data)
		log_warn("bind mount \"%s\": ignoring filesystem options \"%s\"", dest, o.data);
	if (mount(source, target, type, flags, data) < 0)
		return kata_fail_errno(err, errno, "mount \"%s\" on \"%s\"", source, dest);

	if (bind && mount_options_need_bind_remount(&o)) {
		rc = bind_remount(rootfd, m, &o, err);
		if (rc < 0)
			return rc;
	}
	if (o.propagation)
		return set_propagation(rootfd, m, o.propagation, err);
	return 0;
}
