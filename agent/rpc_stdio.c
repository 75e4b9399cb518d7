/* SPDX-License-Identifier: Apache-2.0 */
/* grpc.AgentService: a process's stdio (all answers may be deferred; see stream.h). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "agent.pb-c.h"
#include "container.h"
#include "rpc.h"

/* Replies NOT_FOUND and returns NULL when there is no such process. */
static struct process *lookup(const struct rpc_call *call, const char *cid, const char *eid)
{
	struct container *c = container_find(cid ? cid : "");
	if (!c) {
		rpc_reply_error(call, TTRPC_NOT_FOUND, "container %s not found", cid ? cid : "");
		return NULL;
	}
	struct process *p = container_process(c, eid);
	if (!p)
		rpc_reply_error(call, TTRPC_NOT_FOUND, "process %s not found in container %s", eid,
				cid);
	return p;
}

void rpc_write_stdin(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__WriteStreamRequest, grpc__write_stream_request, call, data, len);
	struct process *p = lookup(call, req->container_id, req->exec_id);
	if (p)
		in_stream_write(&p->in, call, req->data.data, req->data.len);
	grpc__write_stream_request__free_unpacked(req, NULL);
}

static void read_stream(const struct rpc_call *call, const uint8_t *data, size_t len, bool err)
{
	RPC_UNPACK(req, Grpc__ReadStreamRequest, grpc__read_stream_request, call, data, len);
	struct process *p = lookup(call, req->container_id, req->exec_id);
	if (p)
		out_stream_read(err ? &p->err : &p->out, call, req->len);
	grpc__read_stream_request__free_unpacked(req, NULL);
}

void rpc_read_stdout(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	read_stream(call, data, len, false);
}

void rpc_read_stderr(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	read_stream(call, data, len, true);
}

/*
 * Pipes: the write end is closed once the queued WriteStdin data is written, so the process
 * reads EOF. Terminals: nothing is closed, because the pty master also carries the output;
 * only further WriteStdin requests are refused. The reply does not wait for queued data.
 */
void rpc_close_stdin(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__CloseStdinRequest, grpc__close_stdin_request, call, data, len);
	struct process *p = lookup(call, req->container_id, req->exec_id);
	if (p) {
		in_stream_close(&p->in);
		rpc_reply_ok(call, NULL);
	}
	grpc__close_stdin_request__free_unpacked(req, NULL);
}

void rpc_tty_win_resize(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__TtyWinResizeRequest, grpc__tty_win_resize_request, call, data, len);
	struct process *p = lookup(call, req->container_id, req->exec_id);
	if (p) {
		struct winsize ws = {.ws_row = (unsigned short)req->row,
				     .ws_col = (unsigned short)req->column};
		/* The stdin side of a terminal process is a dup of its pty master. */
		if (!p->terminal || p->in.w.fd < 0)
			rpc_reply_error(call, TTRPC_FAILED_PRECONDITION,
					"process %s has no terminal", p->exec_id);
		else if (ioctl(p->in.w.fd, TIOCSWINSZ, &ws) < 0)
			rpc_reply_error(call, TTRPC_INTERNAL, "resize the terminal: %s",
					strerror(errno));
		else
			rpc_reply_ok(call, NULL);
	}
	grpc__tty_win_resize_request__free_unpacked(req, NULL);
}
