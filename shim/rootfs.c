/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rootfs containerd's snapshotter prepared (usually one overlay mount) is mounted by the
 * shim on <bundle>/rootfs, where config.json's root.path points, and unmounted on delete.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "containerd/types/mount.pb-c.h"
#include "shim.h"

struct flag {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct flag flags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"noatime", false, MS_NOATIME},
    {"relatime", false, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"sync", false, MS_SYNCHRONOUS},
    {"defaults", true, 0},
};

/* Splits options into mount flags and the data string for the filesystem. */
static int parse_options(char **opts, size_t n, unsigned long *ret_flags, char *data, size_t len)
{
	unsigned long f = 0;
	size_t used = 0;
	data[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct flag *hit = NULL;
		for (size_t j = 0; j < sizeof(flags) / sizeof(*flags); j++)
			if (!strcmp(opts[i], flags[j].name))
				hit = &flags[j];
		if (hit) {
			f = hit->clear ? f & ~hit->flag : f | hit->flag;
			continue;
		}
		int w = snprintf(data + used, len - used, "%s%s", used ? "," : "", opts[i]);
		if (w < 0 || (size_t)w >= len - used)
			return -E2BIG;
		used += (size_t)w;
	}
	*ret_flags = f;
	return 0;
}

int rootfs_mount(const char *bundle, void *const *mounts, size_t n, char *errbuf, size_t errlen)
{
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/rootfs", bundle);
	if (n > 0 && mkdir(target, 0711) < 0 && errno != EEXIST) {
		snprintf(errbuf, errlen, "mkdir %s: %s", target, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		const Containerd__Types__Mount *m = mounts[i];
		unsigned long mflags;
		static char data[16384];
		int rc = parse_options(m->options, m->n_options, &mflags, data, sizeof(data));
		if (rc < 0) {
			snprintf(errbuf, errlen, "rootfs mount %s: options too long", m->source);
			rootfs_unmount(bundle);
			return rc;
		}
		if (mount(m->source, target, m->type, mflags, *data ? data : NULL) < 0) {
			rc = -errno;
			snprintf(errbuf, errlen, "mount rootfs %s (%s) on %s: %s", m->source,
				 m->type, target, strerror(errno));
			rootfs_unmount(bundle);
			return rc;
		}
	}
	return 0;
}

void rootfs_unmount(const char *bundle)
{
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/rootfs", bundle);
	/* Stacked mounts come off one at a time; EINVAL: nothing (more) is mounted there. */
	for (int i = 0; i < 16; i++)
		if (umount2(target, MNT_DETACH) < 0)
			break;
}
