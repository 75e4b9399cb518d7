/* SPDX-License-Identifier: Apache-2.0 */
#include "mount_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "strv.h"

struct flag_option {
	const char *name;
	bool clear; /* the option removes the flag ("rw", "dev", ...) */
	unsigned long flag;
};

static const struct flag_option flag_options[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};

struct propagation_option {
	const char *name;
	unsigned long flags;
};

static const struct propagation_option propagation_options[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

unsigned long mount_propagation_from_string(const char *s)
{
	for (size_t i = 0; i < sizeof(propagation_options) / sizeof(propagation_options[0]); i++)
		if (strcmp(propagation_options[i].name, s) == 0)
			return propagation_options[i].flags;
	return 0;
}

static const struct flag_option *find_flag_option(const char *s)
{
	for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++)
		if (strcmp(flag_options[i].name, s) == 0)
			return &flag_options[i];
	return NULL;
}

int mount_options_parse(char *const *opts, size_t n, struct mount_options *ret)
{
	cleanup_strv struct strv data = {0};
	unsigned long flags = 0, propagation = 0;

	for (size_t i = 0; i < n; i++) {
		const char *o = opts[i];
		if (!o || !*o)
			return -EINVAL;
		const struct flag_option *f = find_flag_option(o);
		unsigned long p;
		if (f) {
			if (f->clear)
				flags &= ~f->flag;
			else
				flags |= f->flag;
		} else if ((p = mount_propagation_from_string(o))) {
			propagation = p;
		} else if (strv_add(&data, o) < 0) {
			return -ENOMEM;
		}
	}

	char *joined = NULL;
	if (data.n) {
		joined = strv_join(&data, ",");
		if (!joined)
			return -ENOMEM;
	}
	ret->flags = flags;
	ret->propagation = propagation;
	ret->data = joined;
	return 0;
}

void mount_options_clear(struct mount_options *o)
{
	free(o->data);
	o->data = NULL;
}

bool mount_options_need_bind_remount(const struct mount_options *o)
{
	const unsigned long remountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
					  MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
					  MS_STRICTATIME | MS_NOSYMFOLLOW;
	return (o->flags & MS_BIND) && !(o->flags & MS_REMOUNT) && (o->flags & remountable);
}
