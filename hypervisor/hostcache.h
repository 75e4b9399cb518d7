/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small per-host-boot cache files (accelerator probe, TSC rate): each holds the boot id it was
 * written under, so a stale file from an earlier boot is ignored even outside /run.
 */
#ifndef KATA_HOSTCACHE_H
#define KATA_HOSTCACHE_H

#include <stddef.h>

#include "kata.h"

/* Reads the value of cache_dir/name into buf: 0, or -ENOENT when absent or from another boot. */
int hostcache_read(const char *cache_dir, const char *name, char *buf, size_t size);

/* Atomically replaces cache_dir/name (creating cache_dir) with value. */
int hostcache_write(const char *cache_dir, const char *name, const char *value,
		    struct kata_error *err);

/* A file's identity for cache keys, "path:mtime:size" in buf: a rebuilt or replaced file gets
 * another. 0, or -errno when it cannot be stat'ed (buf then holds "path:-"). */
int hostcache_file_id(const char *path, char *buf, size_t size);

/* Takes an exclusive lock on cache_dir/name.lock (created as needed), waiting for it: the
 * locked fd, to close when done, or -errno. Serialises costly probes that fill one entry. */
int hostcache_lock(const char *cache_dir, const char *name, struct kata_error *err);

#endif
