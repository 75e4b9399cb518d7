/* SPDX-License-Identifier: Apache-2.0 */
#include "loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"

static int epfd = -1;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

int loop_watch(struct watch *w, uint32_t events)
{
	if (events == w->events)
		return 0;
	if (events == 0) {
		loop_unwatch(w);
		return 0;
	}
	struct epoll_event ev = {.events = events, .data.ptr = w};
	int op = w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(epfd, op, w->fd, &ev) < 0) {
		log_error("epoll_ctl(fd %d): %s", w->fd, strerror(errno));
		return -errno;
	}
	w->events = events;
	return 0;
}

void loop_unwatch(struct watch *w)
{
	if (w->events && w->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->events = 0;
}

int loop_run_once(void)
{
	struct epoll_event ev;
	int n = epoll_wait(epfd, &ev, 1, -1);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 1) {
		struct watch *w = ev.data.ptr;
		w->fn(w, ev.events);
	}
	return 0;
}

static void timer_fired(struct watch *w, uint32_t events)
{
	struct timer *t = (struct timer *)w;
	uint64_t ticks;
	if (read(w->fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	t->fn(t);
}

int timer_init(struct timer *t, timer_fn fn)
{
	t->fn = fn;
	t->w.fn = timer_fired;
	t->w.events = 0;
	t->w.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	return t->w.fd < 0 ? -errno : 0;
}

int timer_arm(struct timer *t, unsigned ms, unsigned interval_ms)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000},
	    .it_interval = {.tv_sec = interval_ms / 1000,
			    .tv_nsec = (long)(interval_ms % 1000) * 1000000},
	};
	if (ms == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	if (timerfd_settime(t->w.fd, 0, &its, NULL) < 0)
		return -errno;
	return loop_watch(&t->w, EPOLLIN);
}

void timer_disarm(struct timer *t)
{
	struct itimerspec its = {0};
	if (t->w.fd >= 0)
		timerfd_settime(t->w.fd, 0, &its, NULL);
	loop_unwatch(&t->w);
}

void timer_destroy(struct timer *t)
{
	timer_disarm(t);
	if (t->w.fd >= 0)
		close(t->w.fd);
	t->w.fd = -1;
}
