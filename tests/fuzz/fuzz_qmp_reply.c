/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client (hypervisor/qmp.c) talking to a hostile "QEMU": the input is everything QEMU
 * says - greeting, replies, events, garbage - written to a socketpair before the peer closes.
 * The client negotiates capabilities, runs two commands and polls events, as the monitor does.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "qmp.h"

/* Under the socket buffer, so writing it all up front cannot block. */
#define QMP_FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > QMP_FUZZ_MAX_INPUT)
		return 0;
	int sv[2];
	if (fuzz_socketpair(sv) < 0)
		return 0;
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);

	struct kata_error err = {0};
	struct qmp *q = NULL;
	/* The peer has closed its side: every wait ends at EOF, never at the timeout. */
	if (qmp_from_fd(sv[0], 1000, &q, &err) < 0) {
		if (!err.msg[0] || q)
			abort();
		close(sv[1]);
		return 0;
	}
	char *ret = NULL;
	if (qmp_execute(q, "query-status", NULL, &ret, 1000, &err) == 0) {
		if (!ret)
			abort();
		free(ret);
	}
	(void)qmp_execute(q, "stop", "{\"a\":1}", NULL, 1000, &err);
	(void)qmp_poll_events(q);
	char *ev;
	while (qmp_next_event(q, &ev) == 1)
		free(ev);
	qmp_close(q);
	close(sv[1]);
	return 0;
}
