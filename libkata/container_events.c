/* SPDX-License-Identifier: Apache-2.0 */
/* events: the agent's StatsContainer as runc's event JSON
 * ({"type":"stats","id":...,"data":{"cpu":...,"memory":...,"pids":...,"blkio":...}}), and
 * while streaming, the monitor's events ({"type":"oom","id":...}) as they happen. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "container.h"
#include "control.h"
#include "error.h"
#include "agent.pb-c.h"

static void key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void num(yajl_gen g, const char *k, uint64_t v)
{
	key(g, k);
	yajl_gen_integer(g, (long long)v);
}

static void gen_memory_data(yajl_gen g, const char *k, const Grpc__MemoryData *d)
{
	key(g, k);
	yajl_gen_map_open(g);
	num(g, "limit", d ? d->limit : 0);
	num(g, "usage", d ? d->usage : 0);
	num(g, "max", d ? d->max_usage : 0);
	num(g, "failcnt", d ? d->failcnt : 0);
	yajl_gen_map_close(g);
}

static void gen_cpu(yajl_gen g, const Grpc__CpuStats *c)
{
	const Grpc__CpuUsage *u = c ? c->cpu_usage : NULL;
	const Grpc__ThrottlingData *t = c ? c->throttling_data : NULL;
	key(g, "cpu");
	yajl_gen_map_open(g);
	key(g, "usage");
	yajl_gen_map_open(g);
	num(g, "total", u ? u->total_usage : 0);
	key(g, "percpu");
	yajl_gen_array_open(g);
	for (size_t i = 0; u && i < u->n_percpu_usage; i++)
		yajl_gen_integer(g, (long long)u->percpu_usage[i]);
	yajl_gen_array_close(g);
	num(g, "kernel", u ? u->usage_in_kernelmode : 0);
	num(g, "user", u ? u->usage_in_usermode : 0);
	yajl_gen_map_close(g);
	key(g, "throttling");
	yajl_gen_map_open(g);
	num(g, "periods", t ? t->periods : 0);
	num(g, "throttledPeriods", t ? t->throttled_periods : 0);
	num(g, "throttledTime", t ? t->throttled_time : 0);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void gen_memory(yajl_gen g, const Grpc__MemoryStats *m)
{
	key(g, "memory");
	yajl_gen_map_open(g);
	num(g, "cache", m ? m->cache : 0);
	gen_memory_data(g, "usage", m ? m->usage : NULL);
	gen_memory_data(g, "swap", m ? m->swap_usage : NULL);
	gen_memory_data(g, "kernel", m ? m->kernel_usage : NULL);
	key(g, "raw");
	yajl_gen_map_open(g);
	for (size_t i = 0; m && i < m->n_stats; i++)
		num(g, m->stats[i]->key, m->stats[i]->value);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void gen_blkio_list(yajl_gen g, const char *k, Grpc__BlkioStatsEntry **e, size_t n)
{
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		num(g, "major", e[i]->major);
		num(g, "minor", e[i]->minor);
		key(g, "op");
		yajl_gen_string(g, (const unsigned char *)e[i]->op, strlen(e[i]->op));
		num(g, "value", e[i]->value);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static int stats_json(const char *id, const Grpc__StatsContainerResponse *r, char **ret,
		      struct kata_error *err)
{
	const Grpc__CgroupStats *c = r->cgroup_stats;
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return kata_fail(err, ENOMEM, "out of memory");
	yajl_gen_map_open(g);
	key(g, "type");
	yajl_gen_string(g, (const unsigned char *)"stats", 5);
	key(g, "id");
	yajl_gen_string(g, (const unsigned char *)id, strlen(id));
	key(g, "data");
	yajl_gen_map_open(g);
	gen_cpu(g, c ? c->cpu_stats : NULL);
	gen_memory(g, c ? c->memory_stats : NULL);
	key(g, "pids");
	yajl_gen_map_open(g);
	num(g, "current", c && c->pids_stats ? c->pids_stats->current : 0);
	num(g, "limit", c && c->pids_stats ? c->pids_stats->limit : 0);
	yajl_gen_map_close(g);
	key(g, "blkio");
	yajl_gen_map_open(g);
	const Grpc__BlkioStats *b = c ? c->blkio_stats : NULL;
	gen_blkio_list(g, "ioServiceBytesRecursive", b ? b->io_service_bytes_recursive : NULL,
		       b ? b->n_io_service_bytes_recursive : 0);
	gen_blkio_list(g, "ioServicedRecursive", b ? b->io_serviced_recursive : NULL,
		       b ? b->n_io_serviced_recursive : 0);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	*ret = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return *ret ? 0 : kata_fail(err, ENOMEM, "out of memory");
}

static int one_event(const char *dir, const char *id, kata_event_fn fn, void *data,
		     struct kata_error *err)
{
	struct control_request req = {.op = CONTROL_STATS};
	cleanup_free char *packed = NULL;
	size_t len = 0;
	int rc = control_call_payload(dir, &req, NULL, 0, 30000, &packed, &len, err);
	if (rc < 0)
		return rc;
	Grpc__StatsContainerResponse *r =
	    grpc__stats_container_response__unpack(NULL, len, (const uint8_t *)packed);
	if (!r)
		return kata_fail(err, EBADMSG, "malformed statistics from the agent");
	cleanup_free char *json = NULL;
	rc = stats_json(id, r, &json, err);
	grpc__stats_container_response__free_unpacked(r, NULL);
	if (rc < 0)
		return rc;
	return fn(json, data) < 0 ? kata_fail(err, ECANCELED, "events: output failed") : 0;
}

/* Whether the container is (or within a few seconds becomes) stopped: the workload may exit
 * while its statistics are being read, and the monitor records that a moment later. */
static bool stopped_soon(const struct kata_context *ctx, const char *id)
{
	for (int i = 0; i < 50; i++) {
		char dir[PATH_MAX];
		struct container_state st;
		if (container_load(ctx, id, dir, &st, NULL) < 0)
			return true;
		bool stopped = !strcmp(st.status, "stopped");
		container_state_clear(&st);
		if (stopped)
			return true;
		struct timespec ts = {.tv_nsec = 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Lines read from the events fd, passed on whole. */
struct event_lines {
	char buf[4096];
	size_t len;
};

static int pass_lines(struct event_lines *l, kata_event_fn fn, void *data, struct kata_error *err)
{
	char *start = l->buf, *nl;
	while ((nl = memchr(start, '\n', l->len - (size_t)(start - l->buf)))) {
		*nl = '\0';
		if (fn(start, data) < 0)
			return kata_fail(err, ECANCELED, "events: output failed");
		start = nl + 1;
	}
	l->len -= (size_t)(start - l->buf);
	memmove(l->buf, start, l->len);
	if (l->len == sizeof(l->buf))
		l->len = 0; /* not a line of ours */
	return 0;
}

/* Waits interval_ms, passing on the events that arrive meanwhile; 1 when the stream ended. */
static int wait_events(int efd, struct event_lines *l, int interval_ms, kata_event_fn fn,
		       void *data, struct kata_error *err)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long deadline = now.tv_sec * 1000LL + now.tv_nsec / 1000000 + interval_ms;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long left = deadline - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = efd, .events = POLLIN};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kata_fail_errno(err, errno, "events: poll");
		if (n == 0)
			return 0;
		ssize_t r = read(efd, l->buf + l->len, sizeof(l->buf) - l->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 1;
		l->len += (size_t)r;
		int rc = pass_lines(l, fn, data, err);
		if (rc < 0)
			return rc;
	}
}

int kata_container_events(const struct kata_context *ctx, const char *id, int interval_ms,
			  kata_event_fn fn, void *data, struct kata_error *err)
{
	cleanup_close int efd = -1;
	struct event_lines lines = {.len = 0};
	for (bool first = true;; first = false) {
		char dir[PATH_MAX];
		struct container_state st;
		int rc = container_load(ctx, id, dir, &st, err);
		if (rc < 0)
			return rc;
		bool stopped = !strcmp(st.status, "stopped");
		container_state_clear(&st);
		if (stopped)
			return first ? kata_fail(err, EINVAL, "container %s is not running", id)
				     : 0;
		/* Streaming: events (OOM kills) as they happen, between the statistics. */
		if (first && interval_ms > 0 &&
		    (rc = kata_container_events_fd(ctx, id, &efd, err)) < 0)
			return rc;
		rc = one_event(dir, id, fn, data, err);
		/* The end of the container ends the stream without an error. */
		if (rc < 0 && !first && rc != -ECANCELED && stopped_soon(ctx, id))
			return 0;
		if (rc < 0 || interval_ms <= 0)
			return rc;
		rc = wait_events(efd, &lines, interval_ms, fn, data, err);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
}
