/* SPDX-License-Identifier: Apache-2.0 */
/* OCI mount options ("ro", "nosuid", "mode=755", ...) to mount(2) flags and data. */
#ifndef AGENT_MOUNT_OPTIONS_H
#define AGENT_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct mount_options {
	unsigned long flags;	   /* MS_* for the mount call itself */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/... (| MS_REC), applied afterwards */
	char *data;		   /* unknown options joined with ",", or NULL; malloc'ed */
};

/*
 * Parses options into ret (whose data the caller frees with mount_options_clear).
 * Returns 0, -ENOMEM, or -EINVAL for an empty option.
 */
int mount_options_parse(char *const *opts, size_t n, struct mount_options *ret);

/* Parses one propagation keyword ("rslave", "private", ...); 0 when it is not one. */
unsigned long mount_propagation_from_string(const char *s);

void mount_options_clear(struct mount_options *o);

/* A bind (MS_BIND) with flags a bind mount ignores needs a second MS_REMOUNT call. */
bool mount_options_need_bind_remount(const struct mount_options *o);

#endif
