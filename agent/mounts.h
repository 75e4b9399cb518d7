/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI spec's mounts, applied below a container rootfs (in the container's mount ns). */
#ifndef AGENT_MOUNTS_H
#define AGENT_MOUNTS_H

#include "error.h"
#include "oci.pb-c.h"

/*
 * Mounts m at its destination below rootfd, creating the mount point. A bind mount takes
 * its source from staged_source instead of m->source when that is not NULL (see
 * container_stage_sources).
 */
int mount_spec_entry(int rootfd, const Grpc__Mount *m, const char *staged_source,
		     struct kata_error *err);

/*
 * Remounts the bind mount at path with flags (MS_RDONLY, MS_NOSUID, ...); in a user
 * namespace, adds the flags the kernel locked when it refuses without them. 0 or -errno.
 */
int mount_bind_remount(const char *path, unsigned long flags);

#endif
