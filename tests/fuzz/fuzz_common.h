/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the libFuzzer targets share: feeding fuzz input through a real socket, in chunks. */
#ifndef KATA_FUZZ_COMMON_H
#define KATA_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socketpair: [0] is the side under test (non-blocking, as the real readers use it), [1] is
 * the fuzzed peer. Returns 0 or -errno. */
static inline int fuzz_socketpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	return 0;
}

/* The chunk size the first input byte selects: 1..256, so short reads at every offset of a
 * frame are exercised, not just whole-buffer writes. */
static inline size_t fuzz_chunk(const uint8_t **data, size_t *size)
{
	if (*size == 0)
		return 1;
	size_t chunk = (size_t)(*data)[0] + 1;
	(*data)++;
	(*size)--;
	return chunk;
}

#endif
