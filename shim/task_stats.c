/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stats: the guest's cgroup statistics, as libkata reports them (runc's "stats" event JSON:
 * {"data":{"cpu":{"usage":...,"throttling":...},"memory":{...},"pids":{...}}}), answered as
 * containerd's cgroup v1 Metrics in an Any, the form `ctr task metrics` and the CRI read.
 */
#include "task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "containerd/cgroups/metrics.pb-c.h"

static uint64_t num(yajl_val root, const char **path)
{
	yajl_val v = yajl_tree_get(root, path, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0 ? (uint64_t)YAJL_GET_INTEGER(v)
								  : 0;
}

#define NUM(root, ...) num(root, (const char *[]){__VA_ARGS__, NULL})

static void memory_entry(yajl_val root, const char *name,
			 Io__Containerd__Cgroups__V1__MemoryEntry *e)
{
	io__containerd__cgroups__v1__memory_entry__init(e);
	e->limit = NUM(root, "data", "memory", name, "limit");
	e->usage = NUM(root, "data", "memory", name, "usage");
	e->max = NUM(root, "data", "memory", name, "max");
	e->failcnt = NUM(root, "data", "memory", name, "failcnt");
}

struct stats_json {
	char *json;
};

static int keep_json(const char *json, void *data)
{
	struct stats_json *s = data;
	free(s->json);
	s->json = strdup(json);
	return s->json ? 0 : -ENOMEM;
}

/* Packs the metrics of one stats event into *ret (malloc'ed); returns the length. */
static long metrics_from_json(const char *json, uint8_t **ret, char *errbuf, size_t errlen)
{
	yajl_val root = yajl_tree_parse(json, errbuf, errlen);
	if (!root)
		return -EBADMSG;
	Io__Containerd__Cgroups__V1__PidsStat pids = IO__CONTAINERD__CGROUPS__V1__PIDS_STAT__INIT;
	pids.current = NUM(root, "data", "pids", "current");
	pids.limit = NUM(root, "data", "pids", "limit");

	Io__Containerd__Cgroups__V1__CPUUsage usage = IO__CONTAINERD__CGROUPS__V1__CPUUSAGE__INIT;
	usage.total = NUM(root, "data", "cpu", "usage", "total");
	usage.kernel = NUM(root, "data", "cpu", "usage", "kernel");
	usage.user = NUM(root, "data", "cpu", "usage", "user");
	yajl_val percpu = yajl_tree_get(
	    root, (const char *[]){"data", "cpu", "usage", "percpu", NULL}, yajl_t_array);
	size_t ncpu = percpu ? YAJL_GET_ARRAY(percpu)->len : 0;
	cleanup_free uint64_t *per = calloc(ncpu ? ncpu : 1, sizeof(*per));
	if (!per) {
		yajl_tree_free(root);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ncpu; i++) {
		yajl_val v = YAJL_GET_ARRAY(percpu)->values[i];
		per[i] = YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0
			     ? (uint64_t)YAJL_GET_INTEGER(v)
			     : 0;
	}
	usage.n_per_cpu = ncpu;
	usage.per_cpu = per;
	Io__Containerd__Cgroups__V1__Throttle thr = IO__CONTAINERD__CGROUPS__V1__THROTTLE__INIT;
	thr.periods = NUM(root, "data", "cpu", "throttling", "periods");
	thr.throttled_periods = NUM(root, "data", "cpu", "throttling", "throttledPeriods");
	thr.throttled_time = NUM(root, "data", "cpu", "throttling", "throttledTime");
	Io__Containerd__Cgroups__V1__CPUStat cpu = IO__CONTAINERD__CGROUPS__V1__CPUSTAT__INIT;
	cpu.usage = &usage;
	cpu.throttling = &thr;

	Io__Containerd__Cgroups__V1__MemoryEntry mem_usage, swap, kernel;
	memory_entry(root, "usage", &mem_usage);
	memory_entry(root, "swap", &swap);
	memory_entry(root, "kernel", &kernel);
	Io__Containerd__Cgroups__V1__MemoryStat mem =
	    IO__CONTAINERD__CGROUPS__V1__MEMORY_STAT__INIT;
	mem.cache = NUM(root, "data", "memory", "cache");
	mem.usage = &mem_usage;
	mem.swap = &swap;
	mem.kernel = &kernel;

	Io__Containerd__Cgroups__V1__Metrics m = IO__CONTAINERD__CGROUPS__V1__METRICS__INIT;
	m.pids = &pids;
	m.cpu = &cpu;
	m.memory = &mem;
	yajl_tree_free(root);
	return (long)ttrpc_pack_message(&m.base, ret);
}

void task_stats(const struct call *c, const uint8_t *buf, size_t n)
{
	Containerd__Task__V2__StatsRequest *r =
	    containerd__task__v2__stats_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "stats: malformed request");
		return;
	}
	struct kata_error err = {0};
	struct stats_json s = {0};
	cleanup_free uint8_t *packed = NULL;
	char perr[256] = "";
	if (!task_lookup(c, r->id, NULL))
		goto out;
	if (kata_container_events(&c->s->ctx, r->id, 0, keep_json, &s, &err) < 0) {
		reply_errno(c, -err.status, "%s", err.msg);
		goto out;
	}
	long len = s.json ? metrics_from_json(s.json, &packed, perr, sizeof(perr)) : -ENODATA;
	if (len < 0) {
		reply_errno(c, (int)len, "stats of %s: %s", r->id, *perr ? perr : "no statistics");
		goto out;
	}
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = "io.containerd.cgroups.v1.Metrics";
	any.value.data = packed;
	any.value.len = (size_t)len;
	Containerd__Task__V2__StatsResponse resp = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;
	resp.stats = &any;
	reply_ok(c, &resp.base);
out:
	free(s.json);
	containerd__task__v2__stats_request__free_unpacked(r, NULL);
}
