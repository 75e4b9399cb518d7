/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's event loop: agent replies, CLI requests, signals, stdin. */
#include "monitor_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "control.h"
#include "error.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "state.h"

/* How long output may still drain after the workload exited. */
#define DRAIN_TIMEOUT_MS 3000

long long monitor_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct pending_reply {
	struct monitor *m;
	int conn;
	enum control_op op;
};

static void send_reply(int conn, int status, const char *msg)
{
	struct control_reply r = {.status = status};
	snprintf(r.msg, sizeof(r.msg), "%s", msg ? msg : "");
	ssize_t ignored = send(conn, &r, sizeof(r), MSG_NOSIGNAL);
	(void)ignored;
	close(conn);
}

static void on_control_done(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct pending_reply *p = data;
	struct monitor *m = p->m;
	if (code == 0 && p->op == CONTROL_START) {
		struct kata_error err = {0};
		m->started = true;
		if (state_update_status(m->args->dir, "running", -1, &err) < 0)
			kata_logf(m->ctx, "error", "%s: %s", m->args->id, err.msg);
		monitor_stdio_on_start(m);
	}
	send_reply(p->conn, code == 0 ? 0 : (code == 5 ? ESRCH : EIO), message);
	free(p);
}

static void on_wait(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct monitor *m = data;
	if (code != 0) {
		kata_logf(m->ctx, "error", "%s: WaitProcess: %s", m->args->id, message);
		if (m->exit_status < 0)
			m->exit_status = 255;
	} else {
		int status = ((Grpc__WaitProcessResponse *)reply)->status;
		m->exit_status = status >= 0 && status <= 255 ? status : 255;
	}
	m->drain_deadline = monitor_now_ms() + DRAIN_TIMEOUT_MS;
}

static void ignore_reply(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct monitor *m = data;
	if (code != 0)
		kata_debug(m->ctx, "%s: agent call failed: %s", m->args->id, message);
}

static int signal_workload(struct monitor *m, int sig, bool all, agent_reply_fn fn, void *data)
{
	Grpc__SignalProcessRequest req = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = all ? "" : (char *)m->args->id;
	req.signal = (uint32_t)sig;
	return agent_call(&m->agent, AGENT_SERVICE, "SignalProcess", &req.base,
			  &google__protobuf__empty__descriptor, fn, data);
}

void monitor_forward_signal(struct monitor *m, int sig)
{
	if (m->exit_status >= 0)
		return;
	kata_debug(m->ctx, "%s: forwarding signal %d", m->args->id, sig);
	signal_workload(m, sig, false, ignore_reply, m);
}

static void handle_request(struct monitor *m, int conn, const struct control_request *req)
{
	struct pending_reply *p = calloc(1, sizeof(*p));
	if (!p) {
		send_reply(conn, ENOMEM, "out of memory");
		return;
	}
	*p = (struct pending_reply){.m = m, .conn = conn, .op = req->op};
	int rc;
	if (m->exit_status >= 0) {
		free(p);
		send_reply(conn, ESRCH, "container not running");
		return;
	}
	if (req->op == CONTROL_START) {
		if (m->started) {
			free(p);
			send_reply(conn, EBUSY, "container already started");
			return;
		}
		Grpc__StartContainerRequest start = GRPC__START_CONTAINER_REQUEST__INIT;
		start.container_id = (char *)m->args->id;
		rc = agent_call(&m->agent, AGENT_SERVICE, "StartContainer", &start.base,
				&google__protobuf__empty__descriptor, on_control_done, p);
	} else if (req->op == CONTROL_KILL) {
		if (req->signal <= 0 || req->signal >= NSIG) {
			free(p);
			send_reply(conn, EINVAL, "invalid signal");
			return;
		}
		rc = signal_workload(m, req->signal, req->all != 0, on_control_done, p);
	} else {
		free(p);
		send_reply(conn, EINVAL, "unknown request");
		return;
	}
	if (rc < 0) {
		free(p);
		send_reply(conn, -rc, "cannot reach the agent");
	}
}

static void on_control(struct monitor *m)
{
	for (;;) {
		int conn = accept4(m->control_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			return;
		struct timeval tv = {.tv_sec = 2};
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		struct control_request req;
		if (recv(conn, &req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
			close(conn);
			continue;
		}
		handle_request(m, conn, &req);
	}
}

static void on_signal(struct monitor *m)
{
	struct signalfd_siginfo si;
	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD) {
			int status;
			pid_t pid;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				if (m->vm && pid == vm_pid(m->vm)) {
					vm_mark_exited(m->vm, status);
					m->vm_gone = true;
				}
			}
		} else if (sig == SIGWINCH) {
			monitor_stdio_resize(m);
		} else {
			monitor_forward_signal(m, sig);
		}
	}
}

static int watch(struct monitor *m, int fd, enum monitor_tag tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int start_waiting(struct monitor *m)
{
	Grpc__WaitProcessRequest req = GRPC__WAIT_PROCESS_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = (char *)m->args->id;
	return agent_call(&m->agent, AGENT_SERVICE, "WaitProcess", &req.base,
			  &grpc__wait_process_response__descriptor, on_wait, m);
}

static bool finished(struct monitor *m)
{
	if (m->vm_gone || m->agent.fd < 0)
		return true;
	if (m->exit_status < 0)
		return false;
	return (m->out_eof && m->err_eof) || monitor_now_ms() >= m->drain_deadline;
}

int monitor_loop(struct monitor *m)
{
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0 || watch(m, m->agent.fd, TAG_AGENT) < 0 ||
	    watch(m, m->control_fd, TAG_CONTROL) < 0 || watch(m, m->sigfd, TAG_SIGNAL) < 0 ||
	    start_waiting(m) < 0 || monitor_stdio_start_output(m) < 0) {
		kata_logf(m->ctx, "error", "%s: monitor setup failed: %s", m->args->id,
			  strerror(errno));
		return 255;
	}
	while (!finished(m)) {
		int timeout = -1;
		if (m->exit_status >= 0) {
			long long left = m->drain_deadline - monitor_now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		if (m->in_always_ready && m->started && !m->in_eof && !m->in_busy)
			timeout = 0;
		struct epoll_event evs[8];
		int n = epoll_wait(m->epfd, evs, 8, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_AGENT:
				if (agent_client_process(&m->agent) < 0) {
					kata_debug(m->ctx, "%s: agent connection closed",
						   m->args->id);
					agent_client_close(&m->agent);
				}
				break;
			case TAG_CONTROL:
				on_control(m);
				break;
			case TAG_SIGNAL:
				on_signal(m);
				break;
			case TAG_STDIN:
				monitor_stdio_on_stdin(m);
				break;
			}
		}
		if (m->in_always_ready)
			monitor_stdio_on_stdin(m);
	}
	if (m->exit_status < 0) {
		kata_logf(m->ctx, "error", "%s: the VM stopped before the workload exited",
			  m->args->id);
		return 255;
	}
	return m->exit_status;
}
