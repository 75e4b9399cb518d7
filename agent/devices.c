/* SPDX-License-Identifier: Apache-2.0 */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "in_root.h"

struct dev_node {
	const char *path; /* absolute, inside the container */
	mode_t type;	  /* S_IFCHR, S_IFBLK, S_IFIFO */
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static const struct dev_node default_devices[] = {
    {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0},	 {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0},
    {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0},	 {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0},
    {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0}, {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0},
};

/* Splits "/dev/x/y" into the parent (created if missing) and the last component. */
static int open_parent(int rootfd, const char *path, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char parent[4096];
	size_t len = slash ? (size_t)(slash - path) : 0;
	if (len >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, path, len);
	parent[len] = '\0';
	*ret_name = slash ? slash + 1 : path;
	return in_root_mkpath(rootfd, len ? parent : "/", IN_ROOT_DIR);
}

/*
 * When mknod is refused, the guest's own node is bind-mounted onto an empty file. That is
 * always the case in a user namespace: the kernel lets no user namespace but the initial one
 * create device nodes.
 */
static int bind_guest_node(int rootfd, const struct dev_node *d, struct kata_error *err)
{
	cleanup_close int fd = in_root_mkpath(rootfd, d->path, IN_ROOT_FILE);
	if (fd < 0)
		return kata_fail_errno(err, -fd, "create \"%s\"", d->path);
	char target[64];
	fd_path(fd, target, sizeof(target));
	if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
		return kata_fail_errno(err, errno, "bind mount device \"%s\"", d->path);
	return 0;
}

static int create_node(int rootfd, const struct dev_node *d, struct kata_error *err)
{
	if (path_has_dotdot(d->path))
		return kata_fail(err, EINVAL, "device path \"%s\" has a \"..\" component", d->path);
	const char *name;
	cleanup_close int dirfd = open_parent(rootfd, d->path, &name);
	if (dirfd < 0)
		return kata_fail_errno(err, -dirfd, "create parent of \"%s\"", d->path);
	if (!*name)
		return kata_fail(err, EINVAL, "device path \"%s\" names a directory", d->path);

	if (mknodat(dirfd, name, d->type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
		if (errno == EEXIST)
			return 0; /* the image or a mount already provides it */
		if (errno == EPERM && d->type == S_IFCHR)
			return bind_guest_node(rootfd, d, err);
		return kata_fail_errno(err, errno, "mknod \"%s\"", d->path);
	}
	if (fchmodat(dirfd, name, d->mode & 07777, 0) < 0)
		return kata_fail_errno(err, errno, "chmod \"%s\"", d->path);
	if (fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return kata_fail_errno(err, errno, "chown \"%s\"", d->path);
	return 0;
}

static int spec_device(const Grpc__LinuxDevice *ld, struct dev_node *ret, struct kata_error *err)
{
	const char *t = ld->type ? ld->type : "";
	if (strcmp(t, "c") == 0 || strcmp(t, "u") == 0)
		ret->type = S_IFCHR;
	else if (strcmp(t, "b") == 0)
		ret->type = S_IFBLK;
	else if (strcmp(t, "p") == 0)
		ret->type = S_IFIFO;
	else
		return kata_fail(err, EINVAL, "device \"%s\": unknown type \"%s\"", ld->path, t);
	if (!ld->path || ld->path[0] != '/')
		return kata_fail(err, EINVAL, "device path \"%s\" is not absolute",
				 ld->path ? ld->path : "");
	ret->path = ld->path;
	ret->major = (unsigned)ld->major;
	ret->minor = (unsigned)ld->minor;
	ret->mode = ld->filemode ? ld->filemode : 0666;
	ret->uid = ld->uid;
	ret->gid = ld->gid;
	return 0;
}

int devices_create(int rootfd, const Grpc__Linux *linux_spec, struct kata_error *err)
{
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		int rc = create_node(rootfd, &default_devices[i], err);
		if (rc < 0)
			return rc;
	}
	if (!linux_spec)
		return 0;
	for (size_t i = 0; i < linux_spec->n_devices; i++) {
		struct dev_node d = {0};
		int rc = spec_device(linux_spec->devices[i], &d, err);
		if (rc < 0)
			return rc;
		rc = create_node(rootfd, &d, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int devices_create_symlinks(int rootfd, struct kata_error *err)
{
	static const char *const links[][2] = {
	    {"fd", "/proc/self/fd"},	   {"stdin", "/proc/self/fd/0"},
	    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
	    {"ptmx", "pts/ptmx"},	   {"core", "/proc/kcore"},
	};
	cleanup_close int dev = in_root_mkpath(rootfd, "/dev", IN_ROOT_DIR);
	if (dev < 0)
		return kata_fail_errno(err, -dev, "create \"/dev\"");
	/* As runc: a core link only when the kernel has /proc/kcore, else it would dangle. */
	bool kcore = access("/proc/kcore", F_OK) == 0;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (strcmp(links[i][0], "core") == 0 && !kcore)
			continue;
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
			return kata_fail_errno(err, errno, "symlink \"/dev/%s\"", links[i][0]);
	}
	return 0;
}
