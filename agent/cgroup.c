/* SPDX-License-Identifier: Apache-2.0 */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

/* What linux.resources can ask for; each is enabled only where the kernel offers it. */
static const char *const controllers[] = {"cpu", "cpuset", "io", "memory", "pids"};

/* Appends one cleaned component; ".." drops the last one but never climbs above the root. */
static int push_component(char *out, size_t size, const char *comp, size_t len)
{
	if (len == 0 || (len == 1 && comp[0] == '.'))
		return 0;
	size_t cur = strlen(out);
	if (len == 2 && comp[0] == '.' && comp[1] == '.') {
		char *slash = strrchr(out, '/');
		*(slash ? slash : out) = '\0';
		return 0;
	}
	if (cur + !!cur + len + 1 > size)
		return -ENAMETOOLONG;
	if (cur)
		out[cur++] = '/';
	memcpy(out + cur, comp, len);
	out[cur + len] = '\0';
	return 0;
}

static int clean_path(const char *in, char *out, size_t size)
{
	out[0] = '\0';
	for (const char *p = in; *p;) {
		const char *end = strchrnul(p, '/');
		int rc = push_component(out, size, p, (size_t)(end - p));
		if (rc < 0)
			return rc;
		p = *end ? end + 1 : end;
	}
	return 0;
}

int cgroup_resolve(const char *id, const char *cgroups_path, char **ret, struct kata_error *err)
{
	char raw[4096], clean[4096];
	const char *cp = cgroups_path ? cgroups_path : "";
	const char *c1 = strchr(cp, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!*cp) {
		snprintf(raw, sizeof(raw), "kata/%s", id);
	} else if (cp[0] != '/' && c2 && !strchr(c2 + 1, ':')) {
		/* systemd's form: the unit name.scope inside the slice. */
		snprintf(raw, sizeof(raw), "%.*s/%.*s-%s.scope", (int)(c1 - cp), cp,
			 (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	} else {
		snprintf(raw, sizeof(raw), "%s", cp);
	}
	if (clean_path(raw, clean, sizeof(clean)) < 0)
		return kata_fail(err, ENAMETOOLONG, "linux.cgroupsPath \"%s\" is too long", cp);
	if (!*clean)
		return kata_fail(err, EINVAL,
				 "linux.cgroupsPath \"%s\" names the guest's root cgroup", cp);
	if (!(*ret = strdup(clean)))
		return kata_fail(err, ENOMEM, "out of memory");
	return 0;
}

static int write_file_at(const char *dir, const char *file, const char *value)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len)
		return -errno;
	return 0;
}

static int read_file_at(const char *dir, const char *file, char **ret)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, len = 0;
	cleanup_free char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return -ENOMEM;
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger)
				return -ENOMEM;
			buf = bigger;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	*ret = steal_ptr(buf);
	return 0;
}

int cgroup_read(const char *rel, const char *file, char **ret)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, rel);
	return read_file_at(dir, file, ret);
}

static bool word_in(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
	return false;
}

/* Enables in dir's subtree_control every wanted controller dir has. */
static int enable_controllers(const char *dir, struct kata_error *err)
{
	cleanup_free char *avail = NULL, *enabled = NULL;
	int rc = read_file_at(dir, "cgroup.controllers", &avail);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "read %s/cgroup.controllers", dir);
	if ((rc = read_file_at(dir, "cgroup.subtree_control", &enabled)) < 0)
		return kata_fail_errno(err, -rc, "read %s/cgroup.subtree_control", dir);
	for (size_t i = 0; i < sizeof(controllers) / sizeof(*controllers); i++) {
		if (!word_in(avail, controllers[i]) || word_in(enabled, controllers[i]))
			continue;
		char cmd[32];
		snprintf(cmd, sizeof(cmd), "+%s", controllers[i]);
		if ((rc = write_file_at(dir, "cgroup.subtree_control", cmd)) < 0)
			return kata_fail_errno(err, -rc, "enable the %s controller in %s",
					       controllers[i], dir);
	}
	return 0;
}

int cgroup_create(const char *rel, struct kata_error *err)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s", CGROUP_ROOT);
	for (const char *p = rel; *p;) {
		const char *end = strchrnul(p, '/');
		/* Controllers flow from the parent's subtree_control into each child. */
		int rc = enable_controllers(dir, err);
		if (rc < 0)
			return rc;
		size_t len = strlen(dir);
		snprintf(dir + len, sizeof(dir) - len, "/%.*s", (int)(end - p), p);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return kata_fail_errno(err, errno, "create cgroup %s", dir);
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int set_value(const char *rel, const char *file, const char *value, const char *field,
		     struct kata_error *err)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, rel);
	int rc = write_file_at(dir, file, value);
	if (rc == -ENOENT)
		return kata_fail(err, ENOTSUP,
				 "linux.resources.%s: the guest kernel has no cgroup file %s",
				 field, file);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "linux.resources.%s: write \"%s\" to %s/%s", field,
				       value, rel, file);
	return 0;
}

static void fmt_limit(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}

static int apply_memory(const char *rel, const Grpc__LinuxMemory *m, struct kata_error *err)
{
	char v[32];
	int rc;
	if (m->reservation) {
		fmt_limit(v, sizeof(v), m->reservation);
		if ((rc = set_value(rel, "memory.low", v, "memory.reservation", err)) < 0)
			return rc;
	}
	if (m->limit) {
		fmt_limit(v, sizeof(v), m->limit);
		if ((rc = set_value(rel, "memory.max", v, "memory.limit", err)) < 0)
			return rc;
	}
	if (!m->swap)
		return 0;
	/* OCI's swap is memory+swap (v1's memsw); v2 limits swap alone, as runc converts. */
	if (m->swap > 0 && m->limit <= 0)
		return kata_fail(err, EINVAL, "linux.resources.memory.swap needs memory.limit");
	if (m->swap > 0 && m->swap < m->limit)
		return kata_fail(err, EINVAL,
				 "linux.resources.memory.swap %" PRId64 " is below memory.limit "
				 "%" PRId64,
				 m->swap, m->limit);
	fmt_limit(v, sizeof(v), m->swap < 0 ? -1 : m->swap - m->limit);
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, rel);
	rc = write_file_at(dir, "memory.swap.max", v);
	if (rc == -ENOENT) {
		/* A guest kernel without swap support has no swap to limit: the limit holds. */
		log_debug("cgroup %s: no swap in the guest, memory.swap %s holds trivially", rel,
			  v);
		return 0;
	}
	if (rc < 0)
		return kata_fail_errno(err, -rc, "linux.resources.memory.swap: write %s", v);
	return 0;
}

static int apply_cpu(const char *rel, const Grpc__LinuxCPU *c, struct kata_error *err)
{
	char v[64];
	int rc;
	if (c->shares) {
		/* runc's mapping of v1 shares [2, 262144] onto v2 weight [1, 10000]. */
		uint64_t s = c->shares < 2 ? 2 : c->shares > 262144 ? 262144 : c->shares;
		snprintf(v, sizeof(v), "%" PRIu64, 1 + ((s - 2) * 9999) / 262142);
		if ((rc = set_value(rel, "cpu.weight", v, "cpu.shares", err)) < 0)
			return rc;
	}
	if (c->quota || c->period) {
		char q[32];
		fmt_limit(q, sizeof(q), c->quota > 0 ? c->quota : -1);
		snprintf(v, sizeof(v), "%s %" PRIu64, q, c->period ? c->period : 100000);
		if ((rc = set_value(rel, "cpu.max", v, "cpu.quota", err)) < 0)
			return rc;
	}
	if (c->cpus && *c->cpus &&
	    (rc = set_value(rel, "cpuset.cpus", c->cpus, "cpu.cpus", err)) < 0)
		return rc;
	if (c->mems && *c->mems &&
	    (rc = set_value(rel, "cpuset.mems", c->mems, "cpu.mems", err)) < 0)
		return rc;
	return 0;
}

int cgroup_apply(const char *rel, const Grpc__LinuxResources *r, struct kata_error *err)
{
	int rc;
	if (!r)
		return 0;
	if (r->n_hugepagelimits || r->network)
		return kata_fail(err, ENOTSUP,
				 "linux.resources: hugepage and network limits are not supported");
	if (r->memory && (rc = apply_memory(rel, r->memory, err)) < 0)
		return rc;
	if (r->cpu && (rc = apply_cpu(rel, r->cpu, err)) < 0)
		return rc;
	if (r->pids && r->pids->limit) {
		char v[32];
		fmt_limit(v, sizeof(v), r->pids->limit);
		if ((rc = set_value(rel, "pids.max", v, "pids.limit", err)) < 0)
			return rc;
	}
	if (r->blockio) {
		if (r->blockio->n_weightdevice || r->blockio->n_throttlereadbpsdevice ||
		    r->blockio->n_throttlewritebpsdevice || r->blockio->n_throttlereadiopsdevice ||
		    r->blockio->n_throttlewriteiopsdevice || r->blockio->leafweight)
			return kata_fail(err, ENOTSUP,
					 "linux.resources.blockIO: per-device rules are not "
					 "supported");
		if (r->blockio->weight) {
			char v[32];
			snprintf(v, sizeof(v), "default %u", r->blockio->weight);
			if ((rc = set_value(rel, "io.weight", v, "blockIO.weight", err)) < 0)
				return rc;
		}
	}
	return 0;
}

int cgroup_open(const char *rel)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, rel);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void cgroup_destroy(const char *rel)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, rel);
	if (access(dir, F_OK) < 0)
		return;
	/* Processes the container left (double-forked daemons) must not outlive it. */
	int rc = write_file_at(dir, "cgroup.kill", "1");
	if (rc < 0)
		log_warn("cgroup %s: kill: %s", rel, strerror(-rc));
	/* A killed process leaves the cgroup only once the kernel has torn it down. */
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	log_warn("cgroup %s: remove: %s", rel, strerror(errno));
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cgroup_freeze(const char *rel, bool frozen, int timeout_ms, struct kata_error *err)
{
	char dir[4200], path[4300];
	snprintf(dir, sizeof(dir), "%s/%s", CGROUP_ROOT, rel);
	int rc = write_file_at(dir, "cgroup.freeze", frozen ? "1" : "0");
	if (rc < 0)
		return kata_fail_errno(err, -rc, "write cgroup %s/cgroup.freeze", rel);
	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kata_fail_errno(err, errno, "open %s", path);
	const char *want = frozen ? "frozen 1" : "frozen 0";
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		char buf[512];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return kata_fail_errno(err, errno, "read %s", path);
		buf[n] = '\0';
		if (strstr(buf, want))
			return 0;
		long left = deadline - now_ms();
		if (left <= 0)
			return kata_fail(err, ETIMEDOUT, "cgroup %s: not %s after %d ms", rel,
					 frozen ? "frozen" : "thawed", timeout_ms);
		/* cgroup.events signals a change with POLLPRI; the timeout bounds a missed one. */
		struct pollfd pfd = {.fd = fd, .events = POLLPRI};
		poll(&pfd, 1, left < 50 ? (int)left : 50);
	}
}

int cgroup_pids(const char *rel, pid_t **ret, size_t *ret_n, struct kata_error *err)
{
	cleanup_free char *procs = NULL;
	int rc = cgroup_read(rel, "cgroup.procs", &procs);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "read cgroup %s/cgroup.procs", rel);
	size_t n = 0, cap = 16;
	pid_t *pids = malloc(cap * sizeof(*pids));
	for (char *p = procs, *end; pids && *p; p = end) {
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (n == cap) {
			pid_t *bigger = realloc(pids, cap * 2 * sizeof(*pids));
			if (!bigger) {
				free(pids);
				pids = NULL;
				break;
			}
			pids = bigger;
			cap *= 2;
		}
		pids[n++] = (pid_t)v;
	}
	if (!pids)
		return kata_fail(err, ENOMEM, "out of memory");
	*ret = pids;
	*ret_n = n;
	return 0;
}
