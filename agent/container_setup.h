/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs in the container init between clone and exec: the mount namespace (rootfs, spec
 * mounts, /dev) and pivot_root, then read-only and masked paths, sysctls.
 */
#ifndef AGENT_CONTAINER_SETUP_H
#define AGENT_CONTAINER_SETUP_H

#include "error.h"
#include "oci.pb-c.h"

/*
 * stage_dir: NULL, or the directory container_stage_sources filled (the init is in a user
 * namespace): the rootfs and bind sources are taken from there.
 */
int container_setup_rootfs(const Grpc__Spec *spec, const char *stage_dir, struct kata_error *err);

/*
 * Run by the agent, before cloning an init into a new user namespace. The rootfs and bind
 * sources live on the 9p share below host directories of mode 0700 owned by (unmapped) root,
 * which the container's root cannot traverse. So they are bind-mounted into a fresh private
 * tmpfs the container's root can enter: the child's mount namespace gets a copy at clone.
 * Fills ret_dir (size bytes) with its path.
 */
int container_stage_sources(const Grpc__Spec *spec, char *ret_dir, size_t size,
			    struct kata_error *err);

/* Detaches and removes the agent's copy of the staging directory (the child keeps its own). */
void container_unstage_sources(const char *dir);

/* Applies Linux.Sysctl through the container's /proc/sys. */
int container_setup_sysctl(const Grpc__Linux *linux_spec, struct kata_error *err);

#endif
