/* SPDX-License-Identifier: Apache-2.0 */
/* Storages the host asks for (the 9p share, ...): mounted in the guest, unmounted at the end. */
#ifndef AGENT_STORAGE_H
#define AGENT_STORAGE_H

#include "agent.pb-c.h"
#include "error.h"

/* Mounts s (mkdir -p of its mount point) and remembers it under owner ("" = the sandbox). */
int storage_mount(const Grpc__Storage *s, const char *owner, struct kata_error *err);

/* Unmounts what owner mounted, newest first. */
void storages_unmount_owner(const char *owner);

/* Unmounts everything, newest first. */
void storages_unmount_all(void);

#endif
