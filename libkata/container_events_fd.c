/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's events as a pollable fd: the read end of a pipe whose write end the monitor
 * holds (CONTROL_EVENTS). The monitor writes one JSON line per event and exits when the
 * workload has, so EOF is the end of the stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "control.h"
#include "error.h"

int kata_container_events_fd(const struct kata_context *ctx, const char *id, int *ret_fd,
			     struct kata_error *err)
{
	char dir[PATH_MAX];
	int rc = container_find_live(ctx, id, dir, EINVAL, err);
	if (rc < 0)
		return rc;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return kata_fail_errno(err, errno, "%s: pipe", id);
	cleanup_close int rd = p[0];
	cleanup_close int wr = p[1];
	cleanup_close int conn = control_connect(dir, err);
	if (conn < 0)
		return conn;
	struct control_request req = {.op = CONTROL_EVENTS};
	rc = control_send_request(conn, &req, NULL, &wr, 1);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "%s: subscribe to events", id);
	struct control_reply reply;
	rc = control_recv_reply(conn, 30000, &reply, NULL, NULL, err);
	if (rc < 0)
		return rc;
	*ret_fd = steal_fd(rd);
	return 0;
}
