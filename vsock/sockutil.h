/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private helpers shared by the channel transports and the QMP client: deadlines, unix socket
 * connects that retry while the server is not up yet, and bounded reads and writes.
 */
#ifndef KATA_SOCKUTIL_H
#define KATA_SOCKUTIL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kata.h"

static inline int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, never negative. */
static inline int deadline_left(int64_t deadline)
{
	int64_t left = deadline - mono_ms();
	return left < 0 ? 0 : (left > INT32_MAX ? INT32_MAX : (int)left);
}

/* Sleeps up to ms, but not past deadline. */
void sleep_until_at_most(int64_t deadline, int ms);

/* Waits for events on fd until deadline: 0 when ready, -ETIMEDOUT, or -errno. */
int wait_fd_until(int fd, short events, int64_t deadline);

/* Writes all of buf before deadline (MSG_NOSIGNAL: a gone peer is -EPIPE, not SIGPIPE). */
int send_all_until(int fd, const void *buf, size_t len, int64_t deadline);

/*
 * Connects a blocking SOCK_CLOEXEC unix stream socket to path, retrying while the socket does
 * not exist or refuses (its server is still starting) until timeout_ms. `what` names the peer
 * in error messages.
 */
int unix_connect_retry(const char *path, int timeout_ms, const char *what, struct kata_error *err);

#endif
