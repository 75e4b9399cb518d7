/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs in the container init between clone and exec: the mount namespace (rootfs, spec
 * mounts, /dev) and pivot_root, then read-only and masked paths, sysctls.
 */
#ifndef AGENT_CONTAINER_SETUP_H
#define AGENT_CONTAINER_SETUP_H

#include "error.h"
#include "oci.pb-c.h"

int container_setup_rootfs(const Grpc__Spec *spec, struct kata_error *err);

/* Applies Linux.Sysctl through the container's /proc/sys. */
int container_setup_sysctl(const Grpc__Linux *linux_spec, struct kata_error *err);

#endif
