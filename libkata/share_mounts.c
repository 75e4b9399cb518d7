/* SPDX-License-Identifier: Apache-2.0 */
#include "share_mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "monitor_internal.h"

static bool has_option(const Grpc__Mount *m, const char *opt)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], opt))
			return true;
	return false;
}

static bool is_bind(const Grpc__Mount *m)
{
	return (m->type && !strcmp(m->type, "bind")) || has_option(m, "bind") ||
	       has_option(m, "rbind");
}

/* The last path component, made safe for a file name; "root" for "/". */
static void share_name(const char *source, size_t index, char *buf, size_t size)
{
	size_t len = strlen(source);
	while (len > 1 && source[len - 1] == '/')
		len--;
	const char *start = source + len;
	while (start > source && start[-1] != '/')
		start--;
	int n = snprintf(buf, size, "%zu-%.*s", index, (int)(source + len - start), start);
	if (n > 0 && buf[n - 1] == '-')
		snprintf(buf, size, "%zu-root", index);
}

static int create_target(const char *target, bool dir, struct kata_error *err)
{
	if (dir) {
		int rc = mkdir_p(target, 0700);
		return rc < 0 ? kata_fail_errno(err, -rc, "mkdir %s", target) : 0;
	}
	cleanup_close int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return kata_fail_errno(err, errno, "create %s", target);
	return 0;
}

static int share_one(const char *base, size_t index, Grpc__Mount *m, const char *guest_base,
		     struct kata_error *err)
{
	const char *src = m->source;
	if (!src || src[0] != '/')
		return kata_fail(err, EINVAL,
				 "config.json: mounts[%zu] (%s): bind source \"%s\" is not an "
				 "absolute path",
				 index, m->destination, src ? src : "");
	struct stat st;
	if (stat(src, &st) < 0)
		return kata_fail_errno(err, errno,
				       "config.json: mounts[%zu] (%s): bind source \"%s\"", index,
				       m->destination, src);
	/* A host device node would name a guest device through 9p: not what was asked for. */
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return kata_fail(err, ENOTSUP,
				 "config.json: mounts[%zu] (%s): bind source \"%s\" is not a file "
				 "or directory: sharing it into the VM is not supported yet",
				 index, m->destination, src);
	char name[NAME_MAX + 1], target[PATH_MAX];
	share_name(src, index, name, sizeof(name));
	snprintf(target, sizeof(target), "%s/%s", base, name);
	int rc = create_target(target, S_ISDIR(st.st_mode), err);
	if (rc < 0)
		return rc;
	/* Binding the file itself (not its directory) keeps its inode: in-place rewrites by the
	 * host (podman's /etc/hosts, /etc/resolv.conf) reach the container. */
	unsigned long rec = has_option(m, "rbind") ? MS_REC : 0;
	if (mount(src, target, NULL, MS_BIND | rec, NULL) < 0)
		return kata_fail_errno(err, errno, "config.json: mounts[%zu] (%s): bind %s", index,
				       m->destination, src);
	/* Host mounts made later below the source still reach the share (the monitor's
	 * namespace is a slave of the host's); nothing flows back to the host. */
	if (mount(NULL, target, NULL, MS_SLAVE | rec, NULL) < 0)
		return kata_fail_errno(err, errno, "make %s a slave mount", target);
	/* Read-only on the host side as well, so the guest cannot write through 9p even if its
	 * own read-only remount were undone. */
	if (has_option(m, "ro") &&
	    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return kata_fail_errno(err, errno, "remount %s read-only", target);
	char *guest = NULL;
	if (asprintf(&guest, "%s/%s", guest_base, name) < 0)
		return kata_fail(err, ENOMEM, "out of memory");
	free(m->source);
	m->source = guest;
	return 0;
}

int share_mounts(const char *dir, const char *id, Grpc__Spec *spec, struct kata_error *err)
{
	char base[PATH_MAX], guest_base[PATH_MAX];
	snprintf(base, sizeof(base), "%s/shared/%s/mounts", dir, id);
	snprintf(guest_base, sizeof(guest_base), "%s/%s/mounts", GUEST_SHARED_DIR, id);
	bool made = false;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		Grpc__Mount *m = spec->mounts[i];
		if (!is_bind(m))
			continue;
		if (!made) {
			int rc = mkdir_p(base, 0700);
			if (rc < 0)
				return kata_fail_errno(err, -rc, "mkdir %s", base);
			made = true;
		}
		int rc = share_one(base, i, m, guest_base, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}
