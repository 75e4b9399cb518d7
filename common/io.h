/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-stream helpers shared by host and guest. */
#ifndef KATA_IO_H
#define KATA_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Reads up to want bytes: the count read, 0 at EAGAIN, -EPIPE at end of file, or -errno. */
ssize_t io_read_some(int fd, void *buf, size_t want);

/* Writes all of buf, retrying after EINTR and short writes; 0 or -errno. */
int io_write_all(int fd, const void *buf, size_t len);

#endif
