/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM kills in the task's VM as containerd's /tasks/oom (TaskOOM): libkata's events fd (a
 * pipe the monitor writes one JSON line per event to) sits in the shim's epoll loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "containerd/events/task.pb-c.h"
#include "error.h"
#include "shim.h"

int oom_watch_start(struct shim *s, struct kata_error *err)
{
	static struct watch events_w = {.kind = WATCH_EVENTS};
	int rc = kata_container_events_fd(&s->ctx, s->flags.id, &s->events_fd, err);
	if (rc < 0)
		return rc;
	s->events_len = 0;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &events_w};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->events_fd, &ev) < 0) {
		rc = kata_fail_errno(err, errno, "epoll");
		oom_watch_stop(s);
	}
	return rc;
}

void oom_watch_stop(struct shim *s)
{
	if (s->events_fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->events_fd, NULL);
	close(s->events_fd);
	s->events_fd = -1;
}

static void publish_oom(struct shim *s)
{
	shim_log("%s: OOM kill in the container", s->flags.id);
	Containerd__Events__TaskOOM ev = CONTAINERD__EVENTS__TASK_OOM__INIT;
	ev.container_id = (char *)s->flags.id;
	events_publish(&s->flags, "/tasks/oom", "TaskOOM", &ev.base);
}

void oom_on_event(struct shim *s)
{
	ssize_t n = read(s->events_fd, s->events_buf + s->events_len,
			 sizeof(s->events_buf) - s->events_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EOF: the container stopped (its exit comes through the exit fd). */
		oom_watch_stop(s);
		return;
	}
	s->events_len += (size_t)n;
	char *start = s->events_buf, *nl;
	while ((nl = memchr(start, '\n', s->events_len - (size_t)(start - s->events_buf)))) {
		*nl = '\0';
		if (strstr(start, "\"type\":\"oom\""))
			publish_oom(s);
		start = nl + 1;
	}
	s->events_len -= (size_t)(start - s->events_buf);
	memmove(s->events_buf, start, s->events_len);
	if (s->events_len == sizeof(s->events_buf))
		s->events_len = 0; /* not a line of libkata's */
}

void oom_drain(struct shim *s)
{
	struct pollfd p = {.events = POLLIN};
	while (s->events_fd >= 0 && (p.fd = s->events_fd, poll(&p, 1, 0) > 0))
		oom_on_event(s);
}
