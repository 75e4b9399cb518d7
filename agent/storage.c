/* SPDX-License-Identifier: Apache-2.0 */
#include "storage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "log.h"
#include "mount_options.h"

struct storage {
	struct storage *next;
	char *owner;
	char *mount_point;
};

static struct storage *storages; /* newest first */

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				return 0;
		}
	}
}

int storage_mount(const Grpc__Storage *s, const char *owner, struct kata_error *err)
{
	const char *type = s->fstype && *s->fstype ? s->fstype : s->driver;
	if (!type || !*type)
		return kata_fail(err, EINVAL, "storage \"%s\": no driver or fstype", s->source);
	if (!s->mount_point || s->mount_point[0] != '/')
		return kata_fail(err, EINVAL, "storage \"%s\": mount point \"%s\" is not absolute",
				 s->source, s->mount_point ? s->mount_point : "");
	if (s->n_driver_options)
		return kata_fail(err, ENOTSUP, "storage \"%s\": driver_options are not supported",
				 s->source);
	/* Options like "ro" are flags; the rest ("trans=virtio", "msize=...") is fs data. */
	struct mount_options o = {0};
	int rc = mount_options_parse(s->options, s->n_options, &o);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "storage \"%s\": options", s->source);
	rc = mkdir_p(s->mount_point);
	if (rc < 0) {
		mount_options_clear(&o);
		return kata_fail_errno(err, -rc, "mkdir \"%s\"", s->mount_point);
	}
	rc = mount(s->source, s->mount_point, type, o.flags, o.data);
	int e = errno;
	log_debug("mount %s \"%s\" on %s (%s): %s", type, s->source, s->mount_point,
		  o.data ? o.data : "", rc < 0 ? strerror(e) : "ok");
	mount_options_clear(&o);
	if (rc < 0)
		return kata_fail_errno(err, e, "mount %s \"%s\" on \"%s\"", type, s->source,
				       s->mount_point);

	struct storage *st = calloc(1, sizeof(*st));
	if (!st || !(st->owner = strdup(owner)) || !(st->mount_point = strdup(s->mount_point))) {
		if (st)
			free(st->owner);
		free(st);
		umount2(s->mount_point, MNT_DETACH);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	st->next = storages;
	storages = st;
	return 0;
}

static void unmount_where(const char *owner)
{
	struct storage **pp = &storages;
	while (*pp) {
		struct storage *st = *pp;
		if (owner && strcmp(st->owner, owner) != 0) {
			pp = &st->next;
			continue;
		}
		if (umount2(st->mount_point, 0) < 0) {
			log_warn("umount %s: %s; detaching it", st->mount_point, strerror(errno));
			umount2(st->mount_point, MNT_DETACH);
		}
		*pp = st->next;
		free(st->owner);
		free(st->mount_point);
		free(st);
	}
}

void storages_unmount_owner(const char *owner)
{
	unmount_where(owner);
}

void storages_unmount_all(void)
{
	unmount_where(NULL);
}
