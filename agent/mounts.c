/* SPDX-License-Identifier: Apache-2.0 */
#include "mounts.h"

#include <errno.h>
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

	cleanup_mount_options struct mount_options o = {0};
	int rc = mount_options_parse(m->options, m->n_options, &o);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "options of mount \"%s\"", dest);

	bool bind = (o.flags & MS_BIND) || (type && strcmp(type, "bind") == 0);
	enum in_root_kind kind = IN_ROOT_DIR;
	if (bind) {
		struct stat st;
		if (stat(source, &st) < 0)
			return kata_fail_errno(err, errno, "bind mount source \"%s\"", source);
		if (!S_ISDIR(st.st_mode))
			kind = IN_ROOT_FILE;
		o.flags |= MS_BIND;
		type = NULL;
	} else if (type && strcmp(type, "cgroup") == 0) {
		/* The guest has only the unified hierarchy, as runc does on cgroup v2 hosts. */
		log_debug("mount \"%s\": type cgroup mounted as cgroup2", dest);
		type = "cgroup2";
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
