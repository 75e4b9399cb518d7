/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "sockutil.h"
#include "transports.h"

#define REPLY_MAX 64

/*
 * Reads one '\n'-terminated line a byte at a time: anything after it already belongs to the
 * agent's stream and must stay in the socket.
 */
static int read_reply_line(int fd, char *line, size_t size, int64_t deadline)
{
	size_t n = 0;
	for (;;) {
		int r = wait_fd_until(fd, POLLIN, deadline);
		if (r < 0)
			return r;
		char c;
		ssize_t got = recv(fd, &c, 1, MSG_DONTWAIT);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			return -errno;
		if (got == 0) {
			line[n] = '\0';
			return -ECONNRESET;
		}
		if (c == '\n') {
			line[n] = '\0';
			return 0;
		}
		if (n + 1 >= size) {
			line[n] = '\0';
			return -EPROTO;
		}
		line[n++] = c;
	}
}

int channel_hybrid_handshake(int fd, unsigned port, int timeout_ms, struct kata_error *err)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	char req[32], line[REPLY_MAX];
	int len = snprintf(req, sizeof(req), "CONNECT %u\n", port);

	int r = send_all_until(fd, req, (size_t)len, deadline);
	if (r == -EPIPE)
		r = -ECONNRESET;
	if (r < 0)
		return kata_fail_errno(err, -r, "hybrid vsock: sending CONNECT %u", port);

	r = read_reply_line(fd, line, sizeof(line), deadline);
	if (r == -ETIMEDOUT)
		return kata_fail(err, ETIMEDOUT,
				 "hybrid vsock: no reply to CONNECT %u within %d ms", port,
				 timeout_ms);
	if (r == -ECONNRESET)
		return kata_fail(err, ECONNRESET,
				 "hybrid vsock: connection closed before a reply to CONNECT %u%s%s",
				 port, line[0] ? " after " : "", line);
	if (r == -EPROTO)
		return kata_fail(err, EPROTO,
				 "hybrid vsock: reply to CONNECT %u is too long: \"%s...\"", port,
				 line);
	if (r < 0)
		return kata_fail_errno(err, -r, "hybrid vsock: reading the reply to CONNECT %u",
				       port);

	char *end = NULL;
	if (strncmp(line, "OK ", 3) == 0) {
		errno = 0;
		unsigned long host_port = strtoul(line + 3, &end, 10);
		if (errno == 0 && end != line + 3 && *end == '\0' && host_port <= UINT32_MAX)
			return 0;
	}
	return kata_fail(err, ECONNREFUSED, "hybrid vsock: CONNECT %u was answered \"%s\"", port,
			 line);
}

int hybrid_vsock_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err)
{
	unsigned port = cfg->port ? cfg->port : AGENT_VSOCK_PORT;
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		cleanup_close int fd = unix_connect_retry(cfg->socket_path, deadline_left(deadline),
							  "the hybrid vsock socket", err);
		if (fd < 0)
			return fd;
		int r = channel_hybrid_handshake(fd, port, deadline_left(deadline), err);
		if (r == 0)
			return steal_fd(fd);
		/* The VMM closes the connection while nothing listens on the guest port yet. */
		if (r != -ECONNRESET || deadline_left(deadline) == 0)
			return r;
		sleep_until_at_most(deadline, 10);
	}
}
