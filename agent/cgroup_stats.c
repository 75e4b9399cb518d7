/* SPDX-License-Identifier: Apache-2.0 */
/* StatsContainer: a container's cgroup v2 counters in the shape of Kata's CgroupStats. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cleanup.h"

/* A single-number file; "max" reads as UINT64_MAX (what runc and Kata report). */
static int read_u64(const char *rel, const char *file, uint64_t *ret)
{
	cleanup_free char *s = NULL;
	int rc = cgroup_read(rel, file, &s);
	if (rc < 0)
		return rc;
	*ret = strncmp(s, "max", 3) == 0 ? UINT64_MAX : strtoull(s, NULL, 10);
	return 0;
}

/* The value of "key N" in a flat-keyed file (cpu.stat, memory.stat). */
static uint64_t keyed(const char *text, const char *key)
{
	size_t len = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, len) == 0 && p[len] == ' ')
			return strtoull(p + len + 1, NULL, 10);
	return 0;
}

static int fill_cpu(const char *rel, Grpc__CpuStats *cpu)
{
	cleanup_free char *stat = NULL;
	int rc = cgroup_read(rel, "cpu.stat", &stat);
	if (rc < 0)
		return rc;
	/* v2 counts microseconds; the v1-shaped message counts nanoseconds. */
	cpu->cpu_usage->total_usage = keyed(stat, "usage_usec") * 1000;
	cpu->cpu_usage->usage_in_usermode = keyed(stat, "user_usec") * 1000;
	cpu->cpu_usage->usage_in_kernelmode = keyed(stat, "system_usec") * 1000;
	cpu->throttling_data->periods = keyed(stat, "nr_periods");
	cpu->throttling_data->throttled_periods = keyed(stat, "nr_throttled");
	cpu->throttling_data->throttled_time = keyed(stat, "throttled_usec") * 1000;
	return 0;
}

static int fill_memory_map(Grpc__MemoryStats *m, const char *stat)
{
	size_t lines = 0;
	for (const char *p = stat; *p; p++)
		lines += *p == '\n';
	m->stats = calloc(lines + 1, sizeof(*m->stats));
	if (!m->stats)
		return -ENOMEM;
	for (const char *p = stat; *p;) {
		const char *sp = strchr(p, ' '), *nl = strchrnul(p, '\n');
		if (sp && sp < nl) {
			Grpc__MemoryStats__StatsEntry *e = malloc(sizeof(*e));
			if (!e)
				return -ENOMEM;
			grpc__memory_stats__stats_entry__init(e);
			m->stats[m->n_stats++] = e;
			if (!(e->key = strndup(p, (size_t)(sp - p))))
				return -ENOMEM;
			e->value = strtoull(sp + 1, NULL, 10);
		}
		p = *nl ? nl + 1 : nl;
	}
	return 0;
}

static int fill_memory(const char *rel, Grpc__MemoryStats *m)
{
	int rc;
	if ((rc = read_u64(rel, "memory.current", &m->usage->usage)) < 0 ||
	    (rc = read_u64(rel, "memory.max", &m->usage->limit)) < 0)
		return rc;
	read_u64(rel, "memory.peak", &m->usage->max_usage); /* since Linux 5.19 */
	cleanup_free char *events = NULL;
	if (cgroup_read(rel, "memory.events", &events) == 0)
		m->usage->failcnt = keyed(events, "max");
	if (read_u64(rel, "memory.swap.current", &m->swap_usage->usage) == 0)
		read_u64(rel, "memory.swap.max", &m->swap_usage->limit);
	m->use_hierarchy = 1; /* v2 is always hierarchical */
	cleanup_free char *stat = NULL;
	if ((rc = cgroup_read(rel, "memory.stat", &stat)) < 0)
		return rc;
	m->cache = keyed(stat, "file");
	/* "kernel" since Linux 5.18; before, its main parts. */
	m->kernel_usage->usage = keyed(stat, "kernel");
	if (!m->kernel_usage->usage)
		m->kernel_usage->usage =
		    keyed(stat, "kernel_stack") + keyed(stat, "slab") + keyed(stat, "pagetables");
	return fill_memory_map(m, stat);
}

static int add_blkio(Grpc__BlkioStats *b, bool bytes, unsigned major, unsigned minor,
		     const char *op, uint64_t value)
{
	Grpc__BlkioStatsEntry ***list =
	    bytes ? &b->io_service_bytes_recursive : &b->io_serviced_recursive;
	size_t *n = bytes ? &b->n_io_service_bytes_recursive : &b->n_io_serviced_recursive;
	Grpc__BlkioStatsEntry **bigger = realloc(*list, (*n + 1) * sizeof(**list));
	if (!bigger)
		return -ENOMEM;
	*list = bigger;
	Grpc__BlkioStatsEntry *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	grpc__blkio_stats_entry__init(e);
	(*list)[(*n)++] = e;
	e->major = major;
	e->minor = minor;
	e->value = value;
	return (e->op = strdup(op)) ? 0 : -ENOMEM;
}

/* io.stat lines: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static int fill_blkio(const char *rel, Grpc__BlkioStats *b)
{
	cleanup_free char *stat = NULL;
	if (cgroup_read(rel, "io.stat", &stat) < 0)
		return 0; /* no io controller in the guest kernel: no counters */
	static const struct {
		const char *key, *op;
		bool bytes;
	} map[] = {{"rbytes=", "Read", true},
		   {"wbytes=", "Write", true},
		   {"rios=", "Read", false},
		   {"wios=", "Write", false}};
	for (char *line = stat; *line;) {
		char *nl = strchrnul(line, '\n');
		char saved = *nl;
		*nl = '\0';
		unsigned major, minor;
		if (sscanf(line, "%u:%u", &major, &minor) == 2)
			for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++) {
				char *v = strstr(line, map[i].key);
				if (v && add_blkio(b, map[i].bytes, major, minor, map[i].op,
						   strtoull(v + strlen(map[i].key), NULL, 10)) < 0)
					return -ENOMEM;
			}
		*nl = saved;
		line = saved ? nl + 1 : nl;
	}
	return 0;
}

#define NEW(type, init_fn)                                                                         \
	({                                                                                         \
		type *_p = malloc(sizeof(type));                                                   \
		if (_p)                                                                            \
			init_fn(_p);                                                               \
		_p;                                                                                \
	})

int cgroup_stats(const char *rel, Grpc__CgroupStats **ret, struct kata_error *err)
{
	Grpc__CgroupStats *s = NEW(Grpc__CgroupStats, grpc__cgroup_stats__init);
	if (!s)
		return kata_fail(err, ENOMEM, "out of memory");
	int rc = -ENOMEM;
	if (!(s->cpu_stats = NEW(Grpc__CpuStats, grpc__cpu_stats__init)) ||
	    !(s->cpu_stats->cpu_usage = NEW(Grpc__CpuUsage, grpc__cpu_usage__init)) ||
	    !(s->cpu_stats->throttling_data =
		  NEW(Grpc__ThrottlingData, grpc__throttling_data__init)) ||
	    !(s->memory_stats = NEW(Grpc__MemoryStats, grpc__memory_stats__init)) ||
	    !(s->memory_stats->usage = NEW(Grpc__MemoryData, grpc__memory_data__init)) ||
	    !(s->memory_stats->swap_usage = NEW(Grpc__MemoryData, grpc__memory_data__init)) ||
	    !(s->memory_stats->kernel_usage = NEW(Grpc__MemoryData, grpc__memory_data__init)) ||
	    !(s->pids_stats = NEW(Grpc__PidsStats, grpc__pids_stats__init)) ||
	    !(s->blkio_stats = NEW(Grpc__BlkioStats, grpc__blkio_stats__init)))
		goto fail;
	const char *what = "cpu.stat";
	if ((rc = fill_cpu(rel, s->cpu_stats)) < 0)
		goto fail;
	what = "memory.*";
	if ((rc = fill_memory(rel, s->memory_stats)) < 0)
		goto fail;
	what = "pids.*";
	if ((rc = read_u64(rel, "pids.current", &s->pids_stats->current)) < 0 ||
	    (rc = read_u64(rel, "pids.max", &s->pids_stats->limit)) < 0)
		goto fail;
	what = "io.stat";
	if ((rc = fill_blkio(rel, s->blkio_stats)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	cgroup_stats_free(s);
	if (rc == -ENOMEM)
		return kata_fail(err, ENOMEM, "out of memory");
	return kata_fail_errno(err, -rc, "read cgroup %s %s", rel, what);
}

Grpc__CgroupStats *cgroup_stats_free(Grpc__CgroupStats *s)
{
	/* Every part was malloc'ed with the default allocator, as unpacked messages are. */
	if (s)
		protobuf_c_message_free_unpacked(&s->base, NULL);
	return NULL;
}
