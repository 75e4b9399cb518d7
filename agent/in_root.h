/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Paths inside a container rootfs, resolved with openat2(RESOLVE_IN_ROOT) so that symlinks in
 * the image cannot point a mount or a device node outside of it.
 */
#ifndef AGENT_IN_ROOT_H
#define AGENT_IN_ROOT_H

#include <stdbool.h>
#include <stddef.h>

enum in_root_kind { IN_ROOT_DIR, IN_ROOT_FILE };

/* True when path has a ".." component. */
bool path_has_dotdot(const char *path);

/* Opens path below rootfd as O_PATH; returns the fd or -errno. */
int in_root_open(int rootfd, const char *path);

/*
 * Like in_root_open, creating what is missing: parent directories, and the last component
 * as a directory or an empty file. Returns the O_PATH fd or -errno.
 */
int in_root_mkpath(int rootfd, const char *path, enum in_root_kind kind);

/* "/proc/self/fd/N": how mount(2) is pointed at an fd. */
void fd_path(int fd, char *buf, size_t size);

#endif
