/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container events (OOM kills) from the agent to the host's listeners. One GetOOMEvent call
 * stays outstanding; each answer is appended to <state dir>/events as a JSON line and written
 * to every subscriber's pipe (CONTROL_EVENTS hands the monitor the pipe's write end). A
 * subscriber that stops reading or closes its end is dropped, never waited for.
 */
#include "monitor_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "log.h"

#define EVENTS_FILE "events"

static void drop_subscriber(struct monitor *m, size_t i)
{
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->event_fds[i], NULL);
	close(m->event_fds[i]);
	m->event_fds[i] = m->event_fds[--m->n_event_fds];
}

static void record(struct monitor *m, const char *line, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", m->args->dir, EVENTS_FILE);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len)
		kata_logf(m->ctx, "error", "%s: cannot record an event in %s: %s", m->args->id,
			  path, strerror(errno));
	if (fd >= 0)
		close(fd);
	/* A line is far below PIPE_BUF: written whole or not at all. */
	for (size_t i = 0; i < m->n_event_fds;) {
		if (write(m->event_fds[i], line, len) != (ssize_t)len) {
			kata_debug(m->ctx, "%s: dropping an event subscriber: %s", m->args->id,
				   strerror(errno));
			drop_subscriber(m, i);
		} else {
			i++;
		}
	}
}

static int ask(struct monitor *m);

static void on_oom(void *data, int code, const char *message, ProtobufCMessage *reply)
{
	struct monitor *m = data;
	if (code != 0) {
		/* The agent went away (its end is handled elsewhere) or cannot report OOMs. */
		kata_debug(m->ctx, "%s: GetOOMEvent: %s", m->args->id, message);
		return;
	}
	const Grpc__OOMEvent *ev = (const Grpc__OOMEvent *)reply;
	/* One container per VM: an event names ours (ids are validated, nothing to escape). */
	char line[512];
	int len = snprintf(line, sizeof(line), "{\"type\":\"oom\",\"id\":\"%s\"}\n", m->args->id);
	kata_debug(m->ctx, "%s: OOM kill in the guest (container %s)", m->args->id,
		   ev->container_id);
	if (len > 0 && (size_t)len < sizeof(line))
		record(m, line, (size_t)len);
	if (ask(m) < 0)
		kata_logf(m->ctx, "error", "%s: cannot ask the agent for OOM events", m->args->id);
}

static int ask(struct monitor *m)
{
	if (m->agent.fd < 0)
		return 0;
	Grpc__GetOOMEventRequest req = GRPC__GET_OOMEVENT_REQUEST__INIT;
	return agent_call(&m->agent, AGENT_SERVICE, "GetOOMEvent", &req.base,
			  &grpc__oomevent__descriptor, on_oom, m);
}

int monitor_events_start(struct monitor *m)
{
	return ask(m);
}

void monitor_events_subscribe(struct monitor *m, int conn, int fd)
{
	int status = 0;
	const char *msg = NULL;
	int *bigger = NULL;
	struct epoll_event ev = {.events = 0, /* EPOLLERR: the reader closed its end */
				 .data.u64 = MONITOR_EPOLL_DATA((uint32_t)fd, TAG_EVENT_SUB)};
	if (fd < 0) {
		status = EINVAL;
		msg = "events: no pipe given";
	} else if (m->exit_status >= 0) {
		status = ESRCH;
		msg = "container not running";
	} else if ((errno = 0, fcntl(fd, F_SETFL, O_NONBLOCK) < 0) ||
		   !(bigger = realloc(m->event_fds, (m->n_event_fds + 1) * sizeof(int))) ||
		   epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		status = errno ? errno : ENOMEM;
		msg = "events: cannot subscribe";
	}
	if (bigger)
		m->event_fds = bigger;
	if (status == 0) {
		m->event_fds[m->n_event_fds++] = fd;
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	control_send_reply(conn, status, CONTROL_REPLY_DONE, -1, msg, NULL, 0);
	close(conn);
}

void monitor_events_on_hangup(struct monitor *m, uint64_t data)
{
	int fd = (int)(data >> 32);
	for (size_t i = 0; i < m->n_event_fds; i++)
		if (m->event_fds[i] == fd) {
			drop_subscriber(m, i);
			return;
		}
}

void monitor_events_shutdown(struct monitor *m)
{
	while (m->n_event_fds)
		drop_subscriber(m, 0);
	free(m->event_fds);
	m->event_fds = NULL;
}
