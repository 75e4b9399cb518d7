/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's single-threaded event loop: epoll watches with callbacks, and one-shot or
 * periodic timers. One event is handled per epoll_wait, so a callback may free any watch.
 */
#ifndef AGENT_LOOP_H
#define AGENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct watch;
typedef void (*watch_fn)(struct watch *w, uint32_t events);

struct watch {
	int fd;
	uint32_t events; /* currently registered; 0 = not in the epoll set */
	watch_fn fn;
};

struct timer;
typedef void (*timer_fn)(struct timer *t);

struct timer {
	struct watch w; /* a timerfd */
	timer_fn fn;
};

int loop_init(void);

/* Sets fd's watched events (0 removes it). */
int loop_watch(struct watch *w, uint32_t events);

/* Removes the watch from the epoll set (the fd is not closed). */
void loop_unwatch(struct watch *w);

/* Waits for and dispatches one event; returns -errno on a loop failure. */
int loop_run_once(void);

int timer_init(struct timer *t, timer_fn fn);
/* Arms the timer to fire after ms, then every interval_ms (0: once). */
int timer_arm(struct timer *t, unsigned ms, unsigned interval_ms);
void timer_disarm(struct timer *t);
/* Disarms and closes the timerfd. */
void timer_destroy(struct timer *t);

#endif
