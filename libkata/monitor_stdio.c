/* SPDX-License-Identifier: Apache-2.0 */
/* Relaying the workload's stdio between the host fds (or a pty) and the agent's streams. */
#include "monitor_internal.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "cleanup.h"
#include "console.h"
#include "error.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"

static int make_raw(int fd, struct termios *saved)
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	if (saved)
		*saved = t;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

static int setup_console_socket(struct monitor *m, struct kata_error *err)
{
	int master, slave;
	int rc = console_open_pty(m->args->console_socket, &master, &slave, err);
	if (rc < 0)
		return rc;
	/* Our copy of the master is not needed: the receiver holds it now. */
	close(master);
	/* As controlling terminal, its resizes reach the monitor as SIGWINCH. */
	ioctl(slave, TIOCSCTTY, 0);
	/* The caller's stdio is not the workload's: let go of it. containerd's shim (go-runc)
	 * reads our output pipe to EOF after create when there is a console, and would wait for
	 * as long as the monitor lives. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return kata_fail_errno(err, errno, "open /dev/null");
	for (int fd = 0; fd < 3; fd++)
		if (null != fd)
			dup2(null, fd);
	if (null > 2)
		close(null);
	m->in_fd = slave;
	m->out_fd = fcntl(slave, F_DUPFD_CLOEXEC, 3);
	return 0;
}

int monitor_stdio_setup(struct monitor *m, struct kata_error *err)
{
	Grpc__Process *proc = m->args->spec->spec->process;
	m->terminal = proc && proc->terminal;
	if (m->terminal && m->args->console_socket)
		return setup_console_socket(m, err);
	if (m->terminal && !m->args->foreground)
		return kata_fail(err, EINVAL,
				 "cannot allocate tty if kata will detach without setting console "
				 "socket");
	if (!m->terminal && m->args->console_socket)
		return kata_fail(
		    err, EINVAL,
		    "cannot use console socket if kata will not detach or allocate tty");
	m->in_fd = 0;
	m->out_fd = 1;
	m->err_fd = m->terminal ? -1 : 2;
	if (m->terminal && isatty(0) && make_raw(0, &m->saved_tty) == 0)
		m->raw_tty_fd = 0;
	return 0;
}

void monitor_stdio_restore(struct monitor *m)
{
	if (m->raw_tty_fd >= 0)
		tcsetattr(m->raw_tty_fd, TCSANOW, &m->saved_tty);
	m->raw_tty_fd = -1;
}

struct stream {
	struct monitor *m;
	bool is_stderr;
};

static int request_output(struct monitor *m, bool is_stderr);

static void on_output(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct stream *s = data;
	struct monitor *m = s->m;
	bool is_stderr = s->is_stderr;
	free(s);
	Grpc__ReadStreamResponse *r = (Grpc__ReadStreamResponse *)reply;
	bool *eof = is_stderr ? &m->err_eof : &m->out_eof;
	if (code != 0 || !r || r->data.len == 0) {
		*eof = true; /* empty data marks end of stream */
		return;
	}
	int fd = is_stderr ? m->err_fd : m->out_fd;
	if (fd >= 0 && io_write_all(fd, r->data.data, r->data.len) < 0) {
		/* Our reader went away: keep draining so the workload never blocks. */
		if (is_stderr)
			m->err_fd = -1;
		else
			m->out_fd = -1;
	}
	if (request_output(m, is_stderr) < 0)
		*eof = true;
}

static int request_output(struct monitor *m, bool is_stderr)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->is_stderr = is_stderr;
	Grpc__ReadStreamRequest req = GRPC__READ_STREAM_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = (char *)m->args->id;
	req.len = STDIO_READ_CHUNK;
	int rc = agent_call(&m->agent, AGENT_SERVICE, is_stderr ? "ReadStderr" : "ReadStdout",
			    &req.base, &grpc__read_stream_response__descriptor, on_output, s);
	if (rc < 0)
		free(s);
	return rc;
}

int monitor_stdio_start_output(struct monitor *m)
{
	int rc = request_output(m, false);
	if (rc < 0)
		return rc;
	if (m->terminal) {
		m->err_eof = true; /* a terminal carries both streams on stdout */
		return 0;
	}
	return request_output(m, true);
}

static void set_stdin_watch(struct monitor *m, bool on)
{
	if (!m->in_registered)
		return;
	struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.u64 = TAG_STDIN};
	epoll_ctl(m->epfd, EPOLL_CTL_MOD, m->in_fd, &ev);
}

static void close_stdin(struct monitor *m)
{
	m->in_eof = true;
	if (m->in_registered)
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->in_fd, NULL);
	m->in_registered = false;
	m->in_always_ready = false;
	Grpc__CloseStdinRequest req = GRPC__CLOSE_STDIN_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = (char *)m->args->id;
	agent_call(&m->agent, AGENT_SERVICE, "CloseStdin", &req.base,
		   &google__protobuf__empty__descriptor, NULL, NULL);
}

void monitor_stdio_on_start(struct monitor *m)
{
	if (m->terminal)
		monitor_stdio_resize(m);
	if (m->in_fd < 0) {
		close_stdin(m);
		return;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_STDIN};
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->in_fd, &ev) == 0)
		m->in_registered = true;
	else if (errno == EPERM)
		m->in_always_ready = true; /* regular files and /dev/null cannot be polled */
	else
		close_stdin(m);
}

static void on_written(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct monitor *m = data;
	m->in_busy = false;
	if (code != 0) {
		kata_debug(m->ctx, "%s: WriteStdin: %s", m->args->id, message);
		close_stdin(m);
		return;
	}
	set_stdin_watch(m, true);
}

void monitor_stdio_on_stdin(struct monitor *m)
{
	if (m->in_busy || m->in_eof || !m->started)
		return;
	uint8_t buf[STDIO_CHUNK];
	ssize_t n = read(m->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_stdin(m);
		return;
	}
	Grpc__WriteStreamRequest req = GRPC__WRITE_STREAM_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = (char *)m->args->id;
	req.data.data = buf;
	req.data.len = (size_t)n;
	if (agent_call(&m->agent, AGENT_SERVICE, "WriteStdin", &req.base,
		       &grpc__write_stream_response__descriptor, on_written, m) < 0) {
		close_stdin(m);
		return;
	}
	/* One write in flight at a time keeps ordering and bounds memory. */
	m->in_busy = true;
	set_stdin_watch(m, false);
}

void monitor_stdio_resize(struct monitor *m)
{
	if (!m->terminal || m->exit_status >= 0)
		return;
	struct winsize ws;
	int fd = m->raw_tty_fd >= 0 ? m->raw_tty_fd : m->in_fd;
	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return;
	Grpc__TtyWinResizeRequest req = GRPC__TTY_WIN_RESIZE_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = (char *)m->args->id;
	req.row = ws.ws_row;
	req.column = ws.ws_col;
	agent_call(&m->agent, AGENT_SERVICE, "TtyWinResize", &req.base,
		   &google__protobuf__empty__descriptor, NULL, NULL);
}
