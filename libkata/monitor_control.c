/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's side of the control socket: one request per connection (start, kill, pause,
 * resume, ps, update, stats), answered once the agent (or QMP) has; exec requests become
 * sessions in monitor_exec.c.
 */
#include "monitor_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "oci.pb-c.h"
#include "qmp.h"
#include "state.h"

#define QMP_TIMEOUT_MS 10000

struct pending_reply {
	struct monitor *m;
	int conn;
	enum control_op op;
};

static void reply_and_close(int conn, int status, const char *msg, const void *payload, size_t len)
{
	control_send_reply(conn, status, CONTROL_REPLY_DONE, -1, msg, payload, len);
	close(conn);
}

/* gRPC status codes as the errno the CLI reports. */
static int errno_of_code(int code)
{
	switch (code) {
	case TTRPC_NOT_FOUND:
		return ESRCH;
	case TTRPC_INVALID_ARGUMENT:
		return EINVAL;
	case TTRPC_UNIMPLEMENTED:
		return ENOTSUP;
	case TTRPC_FAILED_PRECONDITION:
		return EBUSY;
	default:
		return EIO;
	}
}

static void on_done(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct pending_reply *p = data;
	struct monitor *m = p->m;
	cleanup_free uint8_t *packed = NULL;
	const void *payload = NULL;
	size_t len = 0;
	if (code == 0 && p->op == CONTROL_START) {
		struct kata_error err = {0};
		m->started = true;
		if (state_update_status(m->args->dir, "running", -1, &err) < 0)
			kata_logf(m->ctx, "error", "%s: %s", m->args->id, err.msg);
		monitor_stdio_on_start(m);
	} else if (code == 0 && p->op == CONTROL_PS) {
		Grpc__ListProcessesResponse *r = (Grpc__ListProcessesResponse *)reply;
		payload = r->process_list.data;
		len = r->process_list.len < CONTROL_MAX_PAYLOAD ? r->process_list.len
								: CONTROL_MAX_PAYLOAD;
	} else if (code == 0 && p->op == CONTROL_STATS) {
		ssize_t n = ttrpc_pack_message(reply, &packed);
		if (n < 0 || n > CONTROL_MAX_PAYLOAD) {
			code = TTRPC_INTERNAL;
			message = "the agent's statistics do not fit a control reply";
		} else {
			payload = packed;
			len = (size_t)n;
		}
	}
	reply_and_close(p->conn, code == 0 ? 0 : errno_of_code(code), message, payload, len);
	free(p);
}

static void reply_host_pids(struct monitor *m, int conn)
{
	pid_t pids[64];
	size_t n = monitor_exec_host_pids(m, pids, sizeof(pids) / sizeof(*pids));
	char json[64 * 12 + 16];
	int len = snprintf(json, sizeof(json), "[%d", (int)getpid());
	for (size_t i = 0; i < n; i++)
		len += snprintf(json + len, sizeof(json) - (size_t)len, ",%d", (int)pids[i]);
	len += snprintf(json + len, sizeof(json) - (size_t)len, "]");
	reply_and_close(conn, 0, NULL, json, (size_t)len);
}

static void ignore_reply(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct monitor *m = data;
	if (code != 0)
		kata_debug(m->ctx, "%s: agent call failed: %s", m->args->id, message);
}

int monitor_signal_workload(struct monitor *m, int sig, bool all, agent_reply_fn fn, void *data)
{
	Grpc__SignalProcessRequest req = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
	req.container_id = (char *)m->args->id;
	req.exec_id = all ? "" : (char *)m->args->id;
	req.signal = (uint32_t)sig;
	return agent_call(&m->agent, AGENT_SERVICE, "SignalProcess", &req.base,
			  &google__protobuf__empty__descriptor, fn, data);
}

/* QMP stop/cont: pausing stops every vCPU, so the whole guest (agent included) freezes. */
static int set_paused(struct monitor *m, bool pause, struct kata_error *err)
{
	if (pause == m->paused)
		return kata_fail(err, EINVAL,
				 pause ? "container already paused" : "container not paused");
	struct qmp *q = m->vm ? vm_qmp(m->vm) : NULL;
	if (!q)
		return kata_fail(err, ESRCH, "container not running");
	int rc = qmp_execute(q, pause ? "stop" : "cont", NULL, NULL, QMP_TIMEOUT_MS, err);
	if (rc < 0)
		return kata_error_prefix(err, rc, "%s the VM", pause ? "pause" : "resume");
	m->paused = pause;
	if (state_update_status(m->args->dir, pause ? "paused" : "running", -1, err) < 0)
		kata_logf(m->ctx, "error", "%s: %s", m->args->id, err->msg);
	return 0;
}

/*
 * A paused guest answers nothing until it resumes. SIGKILL cannot wait for that: the
 * workload dies with the VM now (status 137, as a SIGKILLed process). Other signals stay
 * queued in the channel and arrive on resume, as they would for a frozen cgroup.
 */
static void kill_paused(struct monitor *m, int conn, int sig, bool all)
{
	if (sig == SIGKILL) {
		m->exit_status = 128 + SIGKILL;
		m->drain_deadline = monitor_now_ms();
		reply_and_close(conn, 0, NULL, NULL, 0);
		return;
	}
	int rc = monitor_signal_workload(m, sig, all, ignore_reply, m);
	reply_and_close(conn, rc < 0 ? -rc : 0, rc < 0 ? "cannot reach the agent" : NULL, NULL, 0);
}

static int call(struct monitor *m, struct pending_reply *p, const char *method,
		const ProtobufCMessage *req, const ProtobufCMessageDescriptor *desc)
{
	return agent_call(&m->agent, AGENT_SERVICE, method, req, desc, on_done, p);
}

/* Returns the agent_call result, or 1 when the request was answered already. */
static int dispatch(struct monitor *m, struct pending_reply *p, const struct control_request *req,
		    const char *payload)
{
	const char *id = m->args->id;
	int conn = p->conn;
	struct kata_error err = {0};
	switch (req->op) {
	case CONTROL_START: {
		if (m->started) {
			reply_and_close(conn, EBUSY, "container already started", NULL, 0);
			return 1;
		}
		Grpc__StartContainerRequest r = GRPC__START_CONTAINER_REQUEST__INIT;
		r.container_id = (char *)id;
		return call(m, p, "StartContainer", &r.base, &google__protobuf__empty__descriptor);
	}
	case CONTROL_KILL:
		if (req->signal <= 0 || req->signal >= NSIG) {
			reply_and_close(conn, EINVAL, "invalid signal", NULL, 0);
			return 1;
		}
		if (m->paused) {
			kill_paused(m, conn, req->signal, req->all != 0);
			return 1;
		}
		return monitor_signal_workload(m, req->signal, req->all != 0, on_done, p);
	case CONTROL_PS:
		/* json is for callers that look pids up on the host (containerd's Pids, docker
		 * top): guest pids mean other processes there. The host stands in with this
		 * monitor for the workload and with each exec's caller. */
		if (payload && !strcmp(payload, "json")) {
			reply_host_pids(m, conn);
			return 1;
		}
		break;
	case CONTROL_PAUSE:
	case CONTROL_RESUME:
		if (!m->started) {
			reply_and_close(conn, EINVAL, "container not running", NULL, 0);
			return 1;
		}
		set_paused(m, req->op == CONTROL_PAUSE, &err);
		reply_and_close(conn, err.status, err.msg, NULL, 0);
		return 1;
	default:
		break;
	}
	/* What follows needs the agent to answer now. */
	if (m->paused) {
		reply_and_close(conn, EBUSY, "container is paused", NULL, 0);
		return 1;
	}
	switch (req->op) {
	case CONTROL_PS: {
		Grpc__ListProcessesRequest r = GRPC__LIST_PROCESSES_REQUEST__INIT;
		r.container_id = (char *)id;
		r.format = (char *)(payload ? payload : "json");
		return call(m, p, "ListProcesses", &r.base,
			    &grpc__list_processes_response__descriptor);
	}
	case CONTROL_UPDATE: {
		Grpc__LinuxResources *res =
		    grpc__linux_resources__unpack(NULL, req->payload_len, (const uint8_t *)payload);
		if (!res) {
			reply_and_close(conn, EINVAL, "update: malformed resources", NULL, 0);
			return 1;
		}
		Grpc__UpdateContainerRequest r = GRPC__UPDATE_CONTAINER_REQUEST__INIT;
		r.container_id = (char *)id;
		r.resources = res;
		int rc =
		    call(m, p, "UpdateContainer", &r.base, &google__protobuf__empty__descriptor);
		grpc__linux_resources__free_unpacked(res, NULL);
		return rc;
	}
	case CONTROL_STATS: {
		Grpc__StatsContainerRequest r = GRPC__STATS_CONTAINER_REQUEST__INIT;
		r.container_id = (char *)id;
		return call(m, p, "StatsContainer", &r.base,
			    &grpc__stats_container_response__descriptor);
	}
	default:
		reply_and_close(conn, EINVAL, "unknown request", NULL, 0);
		return 1;
	}
}

static void handle_request(struct monitor *m, int conn, const struct control_request *req,
			   const char *payload)
{
	if (m->exit_status >= 0) {
		reply_and_close(conn, ESRCH, "container not running", NULL, 0);
		return;
	}
	struct pending_reply *p = calloc(1, sizeof(*p));
	if (!p) {
		reply_and_close(conn, ENOMEM, "out of memory", NULL, 0);
		return;
	}
	*p = (struct pending_reply){.m = m, .conn = conn, .op = req->op};
	int rc = dispatch(m, p, req, payload);
	if (rc == 1) {
		free(p);
	} else if (rc < 0) {
		free(p);
		reply_and_close(conn, -rc, "cannot reach the agent", NULL, 0);
	}
}

void monitor_control_accept(struct monitor *m)
{
	for (;;) {
		int conn = accept4(m->control_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			return;
		/* A caller that connects and says nothing must not stall the monitor. */
		struct timeval tv = {.tv_sec = 2};
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		struct control_request req;
		cleanup_free char *payload = NULL;
		int fds[CONTROL_MAX_FDS];
		if (control_recv_request(conn, &req, &payload, fds) < 0) {
			close(conn);
			continue;
		}
		if (req.op == CONTROL_EXEC) {
			monitor_exec_begin(m, conn, &req, payload, fds);
			continue;
		}
		if (req.op == CONTROL_EVENTS) {
			for (int i = 1; i < CONTROL_MAX_FDS; i++)
				if (fds[i] >= 0)
					close(fds[i]);
			monitor_events_subscribe(m, conn, fds[0]);
			continue;
		}
		for (int i = 0; i < CONTROL_MAX_FDS; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		handle_request(m, conn, &req, payload);
	}
}
