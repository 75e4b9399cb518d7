/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI spec's mounts, applied below a container rootfs (in the container's mount ns). */
#ifndef AGENT_MOUNTS_H
#define AGENT_MOUNTS_H

#include "error.h"
#include "oci.pb-c.h"

/* Mounts m at its destination below rootfd, creating the mount point. */
int mount_spec_entry(int rootfd, const Grpc__Mount *m, struct kata_error *err);

#endif
