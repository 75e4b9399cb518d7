/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Processes started by `kata exec`. Each arrives as a CONTROL_EXEC request carrying a packed
 * grpc.Process and the caller's stdio fds; the connection then stays open as the session:
 * the monitor runs ExecProcess under a fresh exec_id, relays the exec's stdio between those
 * fds and the agent, forwards signals and resizes the caller sends, and finally replies with
 * the exit status the agent's WaitProcess reports.
 */
#include "monitor_internal.h"
#include "io.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "oci.pb-c.h"

#define EXEC_DRAIN_TIMEOUT_MS 3000
/* What a session reports when the container ended before its process's status arrived: the
 * guest kills every process of the container's pid namespace with SIGKILL. */
#define EXEC_KILLED_STATUS (128 + 9)

struct exec_session {
	struct monitor *m;
	struct exec_session *next;
	uint32_t no;
	char exec_id[48];
	int conn; /* the caller's session; -1 once it hung up */
	int in_fd, out_fd, err_fd;
	bool terminal;
	bool started;  /* ExecProcess succeeded */
	bool finished; /* final reply sent and fds closed */
	bool in_registered, in_always_ready, in_eof, in_busy, out_eof, err_eof;
	int exit_status; /* -1 while the process runs */
	long long drain_deadline;
	int refs; /* agent calls in flight whose callback points at this session */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Sessions are freed only when no agent callback can still reach them. */
static void maybe_free(struct exec_session *s)
{
	if (!s->finished || s->refs > 0)
		return;
	for (struct exec_session **p = &s->m->execs; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	free(s);
}

static void drop_conn(struct exec_session *s)
{
	if (s->conn < 0)
		return;
	epoll_ctl(s->m->epfd, EPOLL_CTL_DEL, s->conn, NULL);
	close_fd(&s->conn);
}

static void finish(struct exec_session *s, int status, enum control_reply_kind kind,
		   int exit_status, const char *msg)
{
	if (s->finished)
		return;
	if (s->conn >= 0)
		control_send_reply(s->conn, status, kind, exit_status, msg, NULL, 0);
	drop_conn(s);
	if (s->in_registered)
		epoll_ctl(s->m->epfd, EPOLL_CTL_DEL, s->in_fd, NULL);
	s->in_registered = false;
	close_fd(&s->in_fd);
	close_fd(&s->out_fd);
	close_fd(&s->err_fd);
	s->finished = true;
	kata_debug(s->m->ctx, "%s: exec %s finished (status %d)", s->m->args->id, s->exec_id,
		   exit_status);
	maybe_free(s);
}

static int session_call(struct exec_session *s, const char *method, const ProtobufCMessage *req,
			const ProtobufCMessageDescriptor *desc, agent_reply_fn fn)
{
	int rc = agent_call(&s->m->agent, AGENT_SERVICE, method, req, desc, fn, fn ? s : NULL);
	if (rc == 0 && fn)
		s->refs++;
	return rc;
}

/* Takes the callback's reference; true when the session is still live. */
static bool callback_enter(struct exec_session *s)
{
	s->refs--;
	if (s->finished) {
		maybe_free(s);
		return false;
	}
	return true;
}

static int request_output(struct exec_session *s, bool is_stderr);

static void on_output(struct exec_session *s, bool is_stderr, int code, ProtobufCMessage *reply)
{
	if (!callback_enter(s))
		return;
	Grpc__ReadStreamResponse *r = (Grpc__ReadStreamResponse *)reply;
	bool *eof = is_stderr ? &s->err_eof : &s->out_eof;
	if (code != 0 || !r || r->data.len == 0) {
		*eof = true; /* empty data marks end of stream */
		return;
	}
	int *fd = is_stderr ? &s->err_fd : &s->out_fd;
	/* A reader that went away must not block the process: keep draining into nothing. */
	if (*fd >= 0 && io_write_all(*fd, r->data.data, r->data.len) < 0)
		close_fd(fd);
	if (request_output(s, is_stderr) < 0)
		*eof = true;
}

static void on_stdout(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	on_output(data, false, code, reply);
}

static void on_stderr(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	on_output(data, true, code, reply);
}

static int request_output(struct exec_session *s, bool is_stderr)
{
	Grpc__ReadStreamRequest req = GRPC__READ_STREAM_REQUEST__INIT;
	req.container_id = (char *)s->m->args->id;
	req.exec_id = s->exec_id;
	req.len = STDIO_READ_CHUNK;
	return session_call(s, is_stderr ? "ReadStderr" : "ReadStdout", &req.base,
			    &grpc__read_stream_response__descriptor,
			    is_stderr ? on_stderr : on_stdout);
}

static void close_stdin(struct exec_session *s)
{
	if (s->in_eof)
		return;
	s->in_eof = true;
	if (s->in_registered)
		epoll_ctl(s->m->epfd, EPOLL_CTL_DEL, s->in_fd, NULL);
	s->in_registered = false;
	s->in_always_ready = false;
	Grpc__CloseStdinRequest req = GRPC__CLOSE_STDIN_REQUEST__INIT;
	req.container_id = (char *)s->m->args->id;
	req.exec_id = s->exec_id;
	session_call(s, "CloseStdin", &req.base, &google__protobuf__empty__descriptor, NULL);
}

static void set_stdin_watch(struct exec_session *s, bool on)
{
	if (!s->in_registered)
		return;
	struct epoll_event ev = {.events = on ? EPOLLIN : 0,
				 .data.u64 = MONITOR_EPOLL_DATA(s->no, TAG_EXEC_STDIN)};
	epoll_ctl(s->m->epfd, EPOLL_CTL_MOD, s->in_fd, &ev);
}

static void on_written(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct exec_session *s = data;
	if (!callback_enter(s))
		return;
	s->in_busy = false;
	if (code != 0) {
		kata_debug(s->m->ctx, "%s: exec %s: WriteStdin: %s", s->m->args->id, s->exec_id,
			   message);
		close_stdin(s);
		return;
	}
	set_stdin_watch(s, true);
}

static void on_stdin(struct exec_session *s)
{
	if (s->in_busy || s->in_eof || !s->started || s->finished)
		return;
	uint8_t buf[STDIO_CHUNK];
	ssize_t n = read(s->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_stdin(s);
		return;
	}
	Grpc__WriteStreamRequest req = GRPC__WRITE_STREAM_REQUEST__INIT;
	req.container_id = (char *)s->m->args->id;
	req.exec_id = s->exec_id;
	req.data.data = buf;
	req.data.len = (size_t)n;
	if (session_call(s, "WriteStdin", &req.base, &grpc__write_stream_response__descriptor,
			 on_written) < 0) {
		close_stdin(s);
		return;
	}
	/* One write in flight at a time keeps ordering and bounds memory. */
	s->in_busy = true;
	set_stdin_watch(s, false);
}

static void watch_stdin(struct exec_session *s)
{
	if (s->in_fd < 0) {
		close_stdin(s);
		return;
	}
	struct epoll_event ev = {.events = EPOLLIN,
				 .data.u64 = MONITOR_EPOLL_DATA(s->no, TAG_EXEC_STDIN)};
	if (epoll_ctl(s->m->epfd, EPOLL_CTL_ADD, s->in_fd, &ev) == 0)
		s->in_registered = true;
	else if (errno == EPERM)
		s->in_always_ready = true; /* regular files and /dev/null cannot be polled */
	else
		close_stdin(s);
}

static void resize(struct exec_session *s, unsigned rows, unsigned cols)
{
	if (!s->terminal || !s->started || s->exit_status >= 0 || rows == 0 || cols == 0)
		return;
	Grpc__TtyWinResizeRequest req = GRPC__TTY_WIN_RESIZE_REQUEST__INIT;
	req.container_id = (char *)s->m->args->id;
	req.exec_id = s->exec_id;
	req.row = rows;
	req.column = cols;
	session_call(s, "TtyWinResize", &req.base, &google__protobuf__empty__descriptor, NULL);
}

static void on_wait(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct exec_session *s = data;
	if (!callback_enter(s))
		return;
	if (code != 0) {
		kata_logf(s->m->ctx, "error", "%s: exec %s: WaitProcess: %s", s->m->args->id,
			  s->exec_id, message);
		s->exit_status = 255;
	} else {
		int status = ((Grpc__WaitProcessResponse *)reply)->status;
		s->exit_status = status >= 0 && status <= 255 ? status : 255;
	}
	s->drain_deadline = monitor_now_ms() + EXEC_DRAIN_TIMEOUT_MS;
}

static void on_exec_started(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct exec_session *s = data;
	if (!callback_enter(s))
		return;
	if (code != 0) {
		finish(s, code == TTRPC_NOT_FOUND ? ENOENT : EIO, CONTROL_REPLY_DONE, -1, message);
		return;
	}
	s->started = true;
	Grpc__WaitProcessRequest wait = GRPC__WAIT_PROCESS_REQUEST__INIT;
	wait.container_id = (char *)s->m->args->id;
	wait.exec_id = s->exec_id;
	if (session_call(s, "WaitProcess", &wait.base, &grpc__wait_process_response__descriptor,
			 on_wait) < 0 ||
	    request_output(s, false) < 0 || (!s->terminal && request_output(s, true) < 0)) {
		finish(s, EPIPE, CONTROL_REPLY_DONE, -1, "lost the agent connection");
		return;
	}
	if (s->terminal)
		s->err_eof = true; /* a terminal carries both streams on stdout */
	if (s->conn >= 0)
		control_send_reply(s->conn, 0, CONTROL_REPLY_EXEC_STARTED, -1, NULL, NULL, 0);
	struct winsize ws;
	if (s->terminal && s->in_fd >= 0 && ioctl(s->in_fd, TIOCGWINSZ, &ws) == 0)
		resize(s, ws.ws_row, ws.ws_col);
	watch_stdin(s);
}

static void refuse(int conn, int fds[CONTROL_MAX_FDS], int status, const char *msg)
{
	control_send_reply(conn, status, CONTROL_REPLY_DONE, -1, msg, NULL, 0);
	close(conn);
	for (int i = 0; i < CONTROL_MAX_FDS; i++)
		close_fd(&fds[i]);
}

void monitor_exec_begin(struct monitor *m, int conn, const struct control_request *req,
			const char *payload, int fds[CONTROL_MAX_FDS])
{
	if (m->exit_status >= 0) {
		refuse(conn, fds, ESRCH, "cannot exec in a stopped container");
		return;
	}
	if (!m->started) {
		refuse(conn, fds, EINVAL, "cannot exec in a created container (start it first)");
		return;
	}
	if (m->paused) {
		refuse(conn, fds, EBUSY, "cannot exec in a paused container");
		return;
	}
	Grpc__Process *proc =
	    grpc__process__unpack(NULL, req->payload_len, (const uint8_t *)payload);
	if (!proc || proc->n_args == 0) {
		if (proc)
			grpc__process__free_unpacked(proc, NULL);
		refuse(conn, fds, EINVAL, "exec: malformed process");
		return;
	}
	struct exec_session *s = calloc(1, sizeof(*s));
	if (!s) {
		grpc__process__free_unpacked(proc, NULL);
		refuse(conn, fds, ENOMEM, "out of memory");
		return;
	}
	*s = (struct exec_session){.m = m,
				   .no = ++m->next_exec,
				   .conn = conn,
				   .in_fd = fds[0],
				   .out_fd = fds[1],
				   .err_fd = fds[2],
				   .terminal = proc->terminal,
				   .exit_status = -1};
	snprintf(s->exec_id, sizeof(s->exec_id), "exec-%u", s->no);
	s->next = m->execs;
	m->execs = s;
	struct epoll_event ev = {.events = EPOLLIN,
				 .data.u64 = MONITOR_EPOLL_DATA(s->no, TAG_EXEC_CONN)};
	epoll_ctl(m->epfd, EPOLL_CTL_ADD, conn, &ev);

	Grpc__ExecProcessRequest exec = GRPC__EXEC_PROCESS_REQUEST__INIT;
	exec.container_id = (char *)m->args->id;
	exec.exec_id = s->exec_id;
	exec.process = proc;
	kata_debug(m->ctx, "%s: exec %s: %s", m->args->id, s->exec_id, proc->args[0]);
	int rc = session_call(s, "ExecProcess", &exec.base, &google__protobuf__empty__descriptor,
			      on_exec_started);
	grpc__process__free_unpacked(proc, NULL);
	if (rc < 0)
		finish(s, -rc, CONTROL_REPLY_DONE, -1, "cannot reach the agent");
}

size_t monitor_exec_host_pids(struct monitor *m, pid_t *out, size_t max)
{
	size_t n = 0;
	for (struct exec_session *s = m->execs; s && n < max; s = s->next) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (s->conn >= 0 && s->started && !s->finished &&
		    getsockopt(s->conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid > 0)
			out[n++] = cred.pid;
	}
	return n;
}

static struct exec_session *find(struct monitor *m, uint32_t no)
{
	for (struct exec_session *s = m->execs; s; s = s->next)
		if (s->no == no)
			return s;
	return NULL;
}

static void on_conn(struct exec_session *s)
{
	struct control_request req;
	char *payload = NULL;
	int rc = control_recv_request(s->conn, &req, &payload, NULL);
	free(payload);
	if (rc == -EAGAIN || rc == -EBADMSG)
		return;
	if (rc < 0) {
		/* The caller went away; the process keeps running, as runc's would. */
		drop_conn(s);
		return;
	}
	if (req.op == CONTROL_EXEC_SIGNAL && req.signal > 0 && req.signal < NSIG && s->started &&
	    s->exit_status < 0) {
		Grpc__SignalProcessRequest sig = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
		sig.container_id = (char *)s->m->args->id;
		sig.exec_id = s->exec_id;
		sig.signal = (uint32_t)req.signal;
		session_call(s, "SignalProcess", &sig.base, &google__protobuf__empty__descriptor,
			     NULL);
	} else if (req.op == CONTROL_EXEC_RESIZE) {
		resize(s, req.rows, req.cols);
	}
}

void monitor_exec_on_event(struct monitor *m, uint64_t data)
{
	struct exec_session *s = find(m, (uint32_t)(data >> 32));
	if (!s || s->finished)
		return;
	if ((uint32_t)data == TAG_EXEC_CONN && s->conn >= 0)
		on_conn(s);
	else if ((uint32_t)data == TAG_EXEC_STDIN)
		on_stdin(s);
}

int monitor_exec_tick(struct monitor *m)
{
	int timeout = -1;
	long long now = monitor_now_ms();
	for (struct exec_session *s = m->execs, *next; s; s = next) {
		next = s->next;
		if (s->finished)
			continue;
		if (s->in_always_ready)
			on_stdin(s);
		if (s->exit_status >= 0 &&
		    ((s->out_eof && s->err_eof) || now >= s->drain_deadline)) {
			finish(s, 0, CONTROL_REPLY_EXEC_EXITED, s->exit_status, NULL);
			continue;
		}
		int want = -1;
		if (s->in_always_ready && s->started && !s->in_eof && !s->in_busy)
			want = 0;
		else if (s->exit_status >= 0)
			want = (int)(s->drain_deadline - now);
		if (want >= 0 && (timeout < 0 || want < timeout))
			timeout = want;
	}
	return timeout;
}

void monitor_exec_shutdown(struct monitor *m)
{
	for (struct exec_session *s = m->execs, *next; s; s = next) {
		next = s->next;
		if (s->finished)
			continue;
		if (s->exit_status >= 0)
			finish(s, 0, CONTROL_REPLY_EXEC_EXITED, s->exit_status, NULL);
		else if (s->started)
			finish(s, 0, CONTROL_REPLY_EXEC_EXITED, EXEC_KILLED_STATUS,
			       "the container stopped");
		else
			finish(s, ESRCH, CONTROL_REPLY_DONE, -1, "the container stopped");
	}
}
