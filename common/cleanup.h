/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound release of fds, memory, files and directories: early returns stay leak-free. */
#ifndef KATA_CLEANUP_H
#define KATA_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free_fn(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_close_fn(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_file_fn(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_dir_fn(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define cleanup_free  __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_file  __attribute__((cleanup(cleanup_file_fn)))
#define cleanup_dir   __attribute__((cleanup(cleanup_dir_fn)))

/* Hands ownership of a cleanup-managed value to the caller. */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _tmp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tmp;                                                                              \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int _tmp = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tmp;                                                                              \
	})

#endif
