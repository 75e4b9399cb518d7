/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroup v2 in the guest (cgroup2 is mounted at /sys/fs/cgroup by the agent):
 * created from linux.cgroupsPath, limited by linux.resources, frozen for pause, read for stats.
 * Paths are relative to the guest's cgroup root ("kata/c1").
 */
#ifndef AGENT_CGROUP_H
#define AGENT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent.pb-c.h"
#include "error.h"
#include "oci.pb-c.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/*
 * The cgroup of container id: linux.cgroupsPath cleaned so it stays below the guest's cgroup
 * root ("/a/../b" -> "b"; systemd's "slice:prefix:name" -> "slice/prefix-name.scope"), or
 * "kata/<id>" when empty. *ret is malloc'ed.
 */
int cgroup_resolve(const char *id, const char *cgroups_path, char **ret, struct kata_error *err);

/* Creates the cgroup (and its parents), enabling the controllers it needs on the way down. */
int cgroup_create(const char *rel, struct kata_error *err);

/* Writes the limits of r into the cgroup's files; fields left 0 are not touched. */
int cgroup_apply(const char *rel, const Grpc__LinuxResources *r, struct kata_error *err);

/* Device rules as a BPF device filter on the cgroup (cgroup_devices.c): the rules of r, then
 * runc's default devices and the spec's linux.devices (lx) allowed. No rules: no filter. */
int cgroup_apply_devices(const char *rel, const Grpc__LinuxResources *r, const Grpc__Linux *lx,
			 struct kata_error *err);

/* An fd of the cgroup directory, for clone3(CLONE_INTO_CGROUP); -errno on failure. */
int cgroup_open(const char *rel);

/* Kills what is left in the cgroup and removes it (best effort: logs failures). */
void cgroup_destroy(const char *rel);

/* cgroup.freeze, then waits (up to timeout_ms) for cgroup.events to report the new state. */
int cgroup_freeze(const char *rel, bool frozen, int timeout_ms, struct kata_error *err);

/* The pids in cgroup.procs (guest pids), malloc'ed. */
int cgroup_pids(const char *rel, pid_t **ret, size_t *ret_n, struct kata_error *err);

/* Fills a CgroupStats from cpu.stat, memory.*, pids.*, io.stat (cgroup_stats.c). */
int cgroup_stats(const char *rel, Grpc__CgroupStats **ret, struct kata_error *err);
Grpc__CgroupStats *cgroup_stats_free(Grpc__CgroupStats *s);

/* Internal, shared with cgroup_stats.c: reads <rel>/<file> (NUL-terminated, malloc'ed). */
int cgroup_read(const char *rel, const char *file, char **ret);

#endif
