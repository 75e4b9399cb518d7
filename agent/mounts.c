/* SPDX-License-Identifier: Apache-2.0 */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

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

int mount_bind_remount(const char *path, unsigned long flags)
{
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	/*
	 * In a user namespace, the flags of mounts that came from the agent's namespace are
	 * locked (nosuid, nodev, noexec, ro, the atime mode): a remount must repeat them, as
	 * runc does. Retry with the ones this mount has.
	 */
	struct statvfs sv;
	if (statvfs(path, &sv) < 0)
		return -errno;
	static const struct {
		unsigned long st, ms;
	} locked[] = {
	    {ST_RDONLY, MS_RDONLY},	{ST_NOSUID, MS_NOSUID},	  {ST_NODEV, MS_NODEV},
	    {ST_NOEXEC, MS_NOEXEC},	{ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
	    {ST_RELATIME, MS_RELATIME},
	};
	unsigned long add = 0;
	for (size_t i = 0; i < sizeof(locked) / sizeof(locked[0]); i++)
		if (sv.f_flag & locked[i].st)
			add |= locked[i].ms;
	if ((flags | add) == flags)
		return -EPERM;
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags | add, NULL) < 0)
		return -errno;
	return 0;
}

static int bind_remount(int rootfd, const Grpc__Mount *m, const struct mount_options *o,
			struct kata_error *err)
{
	char path[64];
	cleanup_close int fd = reopen_target(rootfd, m->destination, path, sizeof(path), err);
	if (fd < 0)
		return fd;
	unsigned long keep = o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	int rc = mount_bind_remount(path, keep);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "remount \"%s\" with its options", m->destination);
	return 0;
}

/*
 * 1 when the caller is in a user namespace below the guest's: only the initial one maps the
 * whole id range onto itself. (/proc/1 is not looked at: a child in a user namespace may not
 * inspect the agent.)
 */
static int in_child_userns(struct kata_error *err)
{
	cleanup_file FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inside, outside, count;
	if (!f || fscanf(f, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return kata_fail_errno(err, f ? EIO : errno, "read /proc/self/uid_map");
	return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

/*
 * sysfs in a user namespace. The kernel lets a user namespace mount sysfs only when it owns
 * the network namespace, and the container keeps the guest's network namespace (as Kata
 * does: the VM is the network sandbox). So, as runc does for rootless containers, the
 * guest's /sys is bind-mounted recursively instead, and made read-only (and nosuid, nodev,
 * noexec when asked) all the way down, submounts included.
 */
static int bind_guest_sysfs(int rootfd, const char *target, const Grpc__Mount *m,
			    const struct mount_options *o, struct kata_error *err)
{
	if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kata_fail_errno(err, errno, "bind mount the guest's /sys on \"%s\"",
				       m->destination);
	/* The fd taken before the mount names the directory below it: open the new mount. */
	char path[64];
	cleanup_close int fd = reopen_target(rootfd, m->destination, path, sizeof(path), err);
	if (fd < 0)
		return fd;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (o->flags & MS_NOSUID)
		attr.attr_set |= MOUNT_ATTR_NOSUID;
	if (o->flags & MS_NODEV)
		attr.attr_set |= MOUNT_ATTR_NODEV;
	if (o->flags & MS_NOEXEC)
		attr.attr_set |= MOUNT_ATTR_NOEXEC;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return kata_fail_errno(err, errno, "make the guest's /sys on \"%s\" read-only",
				       m->destination);
	if (!(o->flags & MS_RDONLY))
		log_info("mount \"%s\": sysfs in a user namespace is the guest's /sys, "
			 "read-only",
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

/*
 * cgroup2 where the guest's cgroup2 mount already sits (a user namespace binds the guest's
 * /sys recursively, see bind_guest_sysfs): mount(2) refuses to stack a superblock on the
 * root of a mount of that same superblock (EBUSY), and every cgroup2 mount shares one. A
 * detached mount moved into place is not refused; with a cgroup namespace it is rooted at
 * the container's cgroup like any cgroup2 mount made there.
 */
static int mount_cgroup2_detached(int rootfd, const Grpc__Mount *m, unsigned long flags,
				  struct kata_error *err)
{
	cleanup_close int fs = fsopen("cgroup2", FSOPEN_CLOEXEC);
	if (fs < 0)
		return kata_fail_errno(err, errno, "fsopen cgroup2 for \"%s\"", m->destination);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return kata_fail_errno(err, errno, "create a cgroup2 superblock for \"%s\"",
				       m->destination);
	static const struct {
		unsigned long ms;
		unsigned int attr;
	} attrs[] = {
	    {MS_RDONLY, MOUNT_ATTR_RDONLY},	    {MS_NOSUID, MOUNT_ATTR_NOSUID},
	    {MS_NODEV, MOUNT_ATTR_NODEV},	    {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
	    {MS_NOATIME, MOUNT_ATTR_NOATIME},	    {MS_STRICTATIME, MOUNT_ATTR_STRICTATIME},
	    {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME},
	};
	unsigned int attr = 0;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (flags & attrs[i].ms)
			attr |= attrs[i].attr;
	cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC, attr);
	if (mnt < 0)
		return kata_fail_errno(err, errno, "fsmount cgroup2 for \"%s\"", m->destination);
	char path[64];
	cleanup_close int fd = reopen_target(rootfd, m->destination, path, sizeof(path), err);
	if (fd < 0)
		return fd;
	if (move_mount(mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return kata_fail_errno(err, errno, "move the cgroup2 mount onto \"%s\"",
				       m->destination);
	return 0;
}

/*
 * 1 with the guest path of the caller's cgroup when it has no cgroup namespace of its own
 * (it shares the agent's), 0 when it has one. The container is born in its own cgroup, never
 * the root one, so "/" as its cgroup means a cgroup namespace rooted there. (/proc/1 is not
 * looked at: a child in a user namespace may not inspect the agent.)
 */
static int own_cgroup_dir(char *buf, size_t size, struct kata_error *err)
{
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "0::/", 4) != 0)
		return kata_fail(err, EIO, "cannot read the cgroup of the container");
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, "0::/") == 0)
		return 0;
	snprintf(buf, size, "/sys/fs/cgroup%s", line + 3);
	return 1;
}

int mount_spec_entry(int rootfd, const Grpc__Mount *m, const char *staged_source,
		     struct kata_error *err)
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
	bool guest_sysfs = false;
	if (!bind && type && strcmp(type, "sysfs") == 0) {
		rc = in_child_userns(err);
		if (rc < 0)
			return rc;
		guest_sysfs = rc > 0;
	}
	if (bind && staged_source)
		source = staged_source;
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

	if (guest_sysfs) {
		rc = bind_guest_sysfs(rootfd, target, m, &o, err);
		if (rc < 0)
			return rc;
		return o.propagation ? set_propagation(rootfd, m, o.propagation, err) : 0;
	}

	unsigned long flags = bind ? (o.flags & (MS_BIND | MS_REC)) : o.flags;
	const char *data = bind ? NULL : o.data;
	if (bind && o.data)
		log_warn("bind mount \"%s\": ignoring filesystem options \"%s\"", dest, o.data);
	if (mount(source, target, type, flags, data) < 0) {
		bool cgroup2 = !bind && type && strcmp(type, "cgroup2") == 0;
		if (!(cgroup2 && errno == EBUSY && !data))
			return kata_fail_errno(err, errno, "mount \"%s\" on \"%s\"", source, dest);
		rc = mount_cgroup2_detached(rootfd, m, flags, err);
		if (rc < 0)
			return rc;
	}

	if (bind && mount_options_need_bind_remount(&o)) {
		rc = bind_remount(rootfd, m, &o, err);
		if (rc < 0)
			return rc;
	}
	if (o.propagation)
		return set_propagation(rootfd, m, o.propagation, err);
	return 0;
}
