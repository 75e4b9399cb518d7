/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM kills in the containers' cgroups: inotify on each container's memory.events reports a
 * counter change; an oom_kill above the last seen value becomes one event per container.
 * Events wait in a bounded queue until a GetOOMEvent call (deferred until then) takes them.
 */
#ifndef AGENT_OOM_H
#define AGENT_OOM_H

#include "rpc.h"

/* Starts watching a container's cgroup (relative to the guest's cgroup root). */
void oom_watch(const char *id, const char *cgroup);

/* Checks once more, then stops watching (before the cgroup goes). */
void oom_unwatch(const char *id);

/* Reads the container's counter now: an OOM kill is queued before its victim's exit is told. */
void oom_check(const char *id);

/* Forgets GetOOMEvent calls of a host connection that has gone. */
void oom_drop_stale(unsigned generation);

#endif
