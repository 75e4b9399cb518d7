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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "error.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "qemu_proc.h"
#include "state.h"

/* How long output may still drain after the workload exited. */
#define DRAIN_TIMEOUT_MS 3000

long long monitor_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_wait(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct monitor *m = data;
	if (code != 0) {
		kata_logf(m->ctx, "error", "%s: WaitProcess: %s", m->args->id, message);
		if (m->exit_status < 0) {
			m->exit_status = 255;
			m->lost = true;
		}
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

void monitor_forward_signal(struct monitor *m, int sig)
{
	if (m->exit_status >= 0)
		return;
	kata_debug(m->ctx, "%s: forwarding signal %d", m->args->id, sig);
	monitor_signal_workload(m, sig, false, ignore_reply, m);
}

/* virtiofsd serves the container's rootfs: without it the guest's file accesses hang, so its
 * end is the VM's failure (exit status 255, as when QEMU dies), not something to wait out. */
static void virtiofsd_exited(struct monitor *m, int status)
{
	char how[128];
	qemu_proc_status_str(status, how, sizeof(how));
	vm_mark_virtiofsd_exited(m->vm);
	kata_logf(m->ctx, "error",
		  "%s: virtiofsd %s: the shared filesystem is gone, stopping the VM", m->args->id,
		  how);
	m->vm_gone = true;
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
				} else if (m->vm && pid == vm_virtiofsd_pid(m->vm)) {
					virtiofsd_exited(m, status);
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
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
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

/* Without inotify (its per-user instance limit is 128), the directory is checked this often. */
#define STATE_DIR_POLL_MS 1000

static void watch_state_dir(struct monitor *m)
{
	m->statedir_fd = monitor_statedir_watch(m->args->dir);
	if (m->statedir_fd >= 0 && watch(m, m->statedir_fd, TAG_STATE_DIR) < 0) {
		close(m->statedir_fd);
		m->statedir_fd = -1;
	}
	if (m->statedir_fd < 0)
		kata_debug(m->ctx, "%s: no inotify on the state directory; polling it",
			   m->args->id);
	/* Removed before the watch existed? */
	if (monitor_statedir_gone(-1, m->args->dir))
		m->orphaned = true;
}

static bool finished(struct monitor *m)
{
	if (m->orphaned || m->vm_gone || m->agent.fd < 0)
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
	    start_waiting(m) < 0 || monitor_events_start(m) < 0 ||
	    monitor_stdio_start_output(m) < 0) {
		kata_logf(m->ctx, "error", "%s: monitor setup failed: %s", m->args->id,
			  strerror(errno));
		return 255;
	}
	watch_state_dir(m);
	while (!finished(m)) {
		int timeout = monitor_exec_tick(m);
		if (m->exit_status >= 0) {
			long long left = m->drain_deadline - monitor_now_ms();
			left = left > 0 ? left : 0;
			if (timeout < 0 || left < timeout)
				timeout = (int)left;
		}
		if (m->in_always_ready && m->started && !m->in_eof && !m->in_busy)
			timeout = 0;
		if (m->statedir_fd < 0 && (timeout < 0 || timeout > STATE_DIR_POLL_MS))
			timeout = STATE_DIR_POLL_MS;
		int console = monitor_console_log_tick(m);
		if (timeout < 0 || console < timeout)
			timeout = console;
		struct epoll_event evs[8];
		int rc, n = epoll_wait(m->epfd, evs, 8, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			/* The low half of the data is the tag (see MONITOR_EPOLL_DATA). */
			switch ((uint32_t)evs[i].data.u64) {
			case TAG_AGENT:
				rc = agent_client_process(&m->agent);
				if (rc < 0) {
					/* EPIPE: the guest went away; anything else: it broke
					 * the protocol (an oversized frame, ...). */
					kata_debug(m->ctx, "%s: agent connection closed: %s",
						   m->args->id, strerror(-rc));
					agent_client_close(&m->agent);
				}
				break;
			case TAG_CONTROL:
				monitor_control_accept(m);
				break;
			case TAG_SIGNAL:
				on_signal(m);
				break;
			case TAG_STDIN:
				monitor_stdio_on_stdin(m);
				break;
			case TAG_EXEC_CONN:
			case TAG_EXEC_STDIN:
				monitor_exec_on_event(m, evs[i].data.u64);
				break;
			case TAG_EVENT_SUB:
				monitor_events_on_hangup(m, evs[i].data.u64);
				break;
			case TAG_STATE_DIR:
				if (monitor_statedir_gone(m->statedir_fd, m->args->dir))
					m->orphaned = true;
				break;
			}
		}
		if (m->in_always_ready)
			monitor_stdio_on_stdin(m);
		if (m->statedir_fd < 0 && monitor_statedir_gone(-1, m->args->dir))
			m->orphaned = true;
	}
	monitor_exec_shutdown(m);
	monitor_events_shutdown(m);
	if (m->orphaned) {
		kata_logf(m->ctx, "error",
			  "%s: the state directory %s was removed; stopping the VM", m->args->id,
			  m->args->dir);
		return 255;
	}
	/* An error answer to WaitProcess from a live agent was logged above; this is for a VM or
	 * an agent connection that went away. */
	if (m->exit_status < 0 || (m->lost && (m->vm_gone || m->agent.fd < 0))) {
		char why[256];
		monitor_console_reason(m->args->dir, why, sizeof(why));
		kata_logf(m->ctx, "error", "%s: the VM stopped before the workload exited%s%s%s",
			  m->args->id, *why ? " (guest console: " : "", why, *why ? ")" : "");
		return 255;
	}
	return m->exit_status;
}
