/* SPDX-License-Identifier: Apache-2.0 */
/* grpc.AgentService/GetOOMEvent and the memory.events watches behind it (see oom.h). */
#include "oom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "cgroup.h"
#include "cleanup.h"
#include "log.h"
#include "loop.h"

/* Events nobody asked for yet; beyond this the oldest are dropped (a host not listening). */
#define MAX_QUEUED 64

struct oom_entry {
	struct oom_entry *next;
	char *id;
	char *cgroup;
	int wd;
	unsigned long long kills;
};

struct oom_wait {
	struct oom_wait *next;
	struct rpc_call call;
};

static struct watch inotify_w = {.fd = -1};
static struct oom_entry *entries;
static struct oom_wait *waits;	 /* oldest first */
static char *queued[MAX_QUEUED]; /* container ids, oldest first */
static size_t n_queued;

static int read_kills(const char *cgroup, unsigned long long *ret)
{
	cleanup_free char *buf = NULL;
	int rc = cgroup_read(cgroup, "memory.events", &buf);
	if (rc < 0)
		return rc;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (sscanf(line, "oom_kill %llu", ret) == 1)
			return 0;
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static void reply(const struct rpc_call *call, const char *id)
{
	Grpc__OOMEvent ev = GRPC__OOMEVENT__INIT;
	ev.container_id = (char *)id;
	rpc_reply_ok(call, &ev.base);
}

static void deliver(const char *id)
{
	while (waits) {
		struct oom_wait *w = waits;
		waits = w->next;
		bool alive = rpc_call_alive(&w->call);
		if (alive)
			reply(&w->call, id);
		free(w);
		if (alive)
			return;
	}
	char *copy = strdup(id);
	if (!copy)
		return;
	if (n_queued == MAX_QUEUED) {
		log_warn("OOM event of %s dropped: nobody asked for it", queued[0]);
		free(queued[0]);
		memmove(queued, queued + 1, (MAX_QUEUED - 1) * sizeof(queued[0]));
		n_queued--;
	}
	queued[n_queued++] = copy;
}

static void check_entry(struct oom_entry *e)
{
	unsigned long long kills;
	if (read_kills(e->cgroup, &kills) < 0 || kills <= e->kills)
		return;
	log_debug("container %s: oom_kill %llu -> %llu", e->id, e->kills, kills);
	e->kills = kills;
	deliver(e->id);
}

static struct oom_entry *find(const char *id)
{
	for (struct oom_entry *e = entries; e; e = e->next)
		if (!strcmp(e->id, id))
			return e;
	return NULL;
}

static void on_inotify(struct watch *w, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			for (struct oom_entry *e = entries; e; e = e->next)
				if (e->wd == ev->wd) {
					check_entry(e);
					break;
				}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static int ensure_inotify(void)
{
	if (inotify_w.fd >= 0)
		return 0;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	inotify_w.fd = fd;
	inotify_w.fn = on_inotify;
	int rc = loop_watch(&inotify_w, EPOLLIN);
	if (rc < 0) {
		close(fd);
		inotify_w.fd = -1;
	}
	return rc;
}

void oom_watch(const char *id, const char *cgroup)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s/memory.events", CGROUP_ROOT, cgroup);
	int rc = ensure_inotify();
	struct oom_entry *e = calloc(1, sizeof(*e));
	if (rc < 0 || !e || !(e->id = strdup(id)) || !(e->cgroup = strdup(cgroup))) {
		log_warn("container %s: no OOM events: %s", id, strerror(rc < 0 ? -rc : ENOMEM));
		goto fail;
	}
	/* Without a memory controller there is no memory.events and so no OOM event. */
	if ((rc = read_kills(cgroup, &e->kills)) < 0 ||
	    (e->wd = inotify_add_watch(inotify_w.fd, path, IN_MODIFY)) < 0) {
		log_warn("container %s: no OOM events: %s: %s", id, path,
			 strerror(rc < 0 ? -rc : errno));
		goto fail;
	}
	e->next = entries;
	entries = e;
	return;
fail:
	if (e) {
		free(e->id);
		free(e->cgroup);
	}
	free(e);
}

void oom_check(const char *id)
{
	struct oom_entry *e = find(id);
	if (e)
		check_entry(e);
}

void oom_unwatch(const char *id)
{
	for (struct oom_entry **pp = &entries; *pp; pp = &(*pp)->next) {
		struct oom_entry *e = *pp;
		if (strcmp(e->id, id) != 0)
			continue;
		check_entry(e);
		*pp = e->next;
		inotify_rm_watch(inotify_w.fd, e->wd);
		free(e->id);
		free(e->cgroup);
		free(e);
		return;
	}
}

void oom_drop_stale(unsigned generation)
{
	struct oom_wait **pp = &waits;
	while (*pp) {
		struct oom_wait *w = *pp;
		if (w->call.generation != generation) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

void rpc_get_oom_event(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__GetOOMEventRequest, grpc__get_oomevent_request, call, data, len);
	grpc__get_oomevent_request__free_unpacked(req, NULL);
	if (n_queued) {
		cleanup_free char *id = queued[0];
		memmove(queued, queued + 1, (n_queued - 1) * sizeof(queued[0]));
		n_queued--;
		reply(call, id);
		return;
	}
	struct oom_wait *w = calloc(1, sizeof(*w));
	if (!w) {
		rpc_reply_error(call, TTRPC_INTERNAL, "GetOOMEvent: out of memory");
		return;
	}
	w->call = *call;
	struct oom_wait **pp = &waits;
	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
}
