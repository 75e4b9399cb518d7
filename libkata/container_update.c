/* SPDX-License-Identifier: Apache-2.0 */
/*
 * update: new cgroup limits for a running container, from an OCI linux.resources document
 * (--resources FILE, "-" for stdin) and/or runc's individual flags, sent to the agent's
 * UpdateContainer through the monitor.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "control.h"
#include "error.h"
#include "fsutil.h"
#include "oci_spec.h"
#include "ttrpc.h"

static int bad(struct kata_error *err, const char *flag, const char *value, const char *why)
{
	return kata_fail(err, EINVAL, "invalid value \"%s\" for --%s: %s", value, flag, why);
}

/* A size as runc takes it (units.RAMInBytes): a number with an optional k/m/g/t suffix
 * (binary, optional trailing "b"); "-1" means unlimited where allow_unlimited. */
static int parse_size(const char *flag, const char *s, bool allow_unlimited, int64_t *ret,
		      struct kata_error *err)
{
	if (allow_unlimited && !strcmp(s, "-1")) {
		*ret = -1;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0 || *s == '-')
		return bad(err, flag, s, "expected a size such as 512m");
	double mult = 1;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		mult = 1024.0;
		end++;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		end++;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		end++;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end || v * mult > (double)INT64_MAX)
		return bad(err, flag, s, "expected a size such as 512m");
	*ret = (int64_t)(v * mult);
	return 0;
}

static int parse_int(const char *flag, const char *s, int64_t min, int64_t max, int64_t *ret,
		     struct kata_error *err)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		char why[96];
		snprintf(why, sizeof(why), "expected an integer from %lld to %lld", (long long)min,
			 (long long)max);
		return bad(err, flag, s, why);
	}
	*ret = v;
	return 0;
}

static int parse_cpuset(const char *flag, const char *s, char **slot, struct kata_error *err)
{
	if (!*s || s[strspn(s, "0123456789,-")])
		return bad(err, flag, s, "expected a list such as 0-2,4");
	/* An unset protobuf string is the library's static empty string, not ours to free. */
	if (*slot != protobuf_c_empty_string)
		free(*slot);
	*slot = strdup(s);
	return *slot ? 0 : kata_fail(err, ENOMEM, "out of memory");
}

/* The document --resources names, parsed by the config.json parser's resources code. */
static int load_resources(const char *path, Grpc__LinuxResources **ret, struct kata_error *err)
{
	cleanup_free char *json = NULL;
	int rc = !strcmp(path, "-") ? read_file("/dev/stdin", 1 << 20, &json, NULL)
				    : read_file(path, 1 << 20, &json, NULL);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "read resources %s", path);
	cleanup_free char *doc = NULL;
	if (asprintf(&doc, "{\"resources\": %s}", json) < 0)
		return kata_fail(err, ENOMEM, "out of memory");
	char errbuf[256];
	yajl_val root = yajl_tree_parse(doc, errbuf, sizeof(errbuf));
	if (!root)
		return kata_fail(err, EINVAL, "resources %s: invalid JSON", path);
	rc = oci_parse_resources(root, ret, err);
	yajl_tree_free(root);
	if (rc < 0)
		return kata_error_prefix(err, rc, "resources %s", path);
	return 0;
}

#define ENSURE(ptr, type, INIT)                                                                    \
	do {                                                                                       \
		if (!(ptr) && !((ptr) = OCI_NEW(type, INIT)))                                      \
			return kata_fail(err, ENOMEM, "out of memory");                            \
	} while (0)

static int apply_flags(Grpc__LinuxResources *r, const struct kata_update_options *o,
		       struct kata_error *err)
{
	int64_t v;
	int rc;
	if (o->memory || o->memory_swap || o->memory_reservation)
		ENSURE(r->memory, Grpc__LinuxMemory, GRPC__LINUX_MEMORY__INIT);
	if (o->memory) {
		if ((rc = parse_size("memory", o->memory, true, &v, err)) < 0)
			return rc;
		r->memory->limit = v;
	}
	if (o->memory_swap) {
		if ((rc = parse_size("memory-swap", o->memory_swap, true, &v, err)) < 0)
			return rc;
		r->memory->swap = v;
	}
	if (o->memory_reservation) {
		if ((rc = parse_size("memory-reservation", o->memory_reservation, true, &v, err)) <
		    0)
			return rc;
		r->memory->reservation = v;
	}
	if (o->cpu_quota || o->cpu_period || o->cpu_shares || o->cpuset_cpus || o->cpuset_mems)
		ENSURE(r->cpu, Grpc__LinuxCPU, GRPC__LINUX_CPU__INIT);
	if (o->cpu_quota) {
		if ((rc = parse_int("cpu-quota", o->cpu_quota, -1, INT64_MAX, &v, err)) < 0)
			return rc;
		r->cpu->quota = v;
	}
	if (o->cpu_period) {
		if ((rc = parse_int("cpu-period", o->cpu_period, 1000, 1000000, &v, err)) < 0)
			return rc;
		r->cpu->period = (uint64_t)v;
	}
	if (o->cpu_shares) {
		if ((rc = parse_int("cpu-shares", o->cpu_shares, 2, 262144, &v, err)) < 0)
			return rc;
		r->cpu->shares = (uint64_t)v;
	}
	if (o->cpuset_cpus &&
	    (rc = parse_cpuset("cpuset-cpus", o->cpuset_cpus, &r->cpu->cpus, err)) < 0)
		return rc;
	if (o->cpuset_mems &&
	    (rc = parse_cpuset("cpuset-mems", o->cpuset_mems, &r->cpu->mems, err)) < 0)
		return rc;
	if (o->pids_limit) {
		if ((rc = parse_int("pids-limit", o->pids_limit, -1, INT64_MAX, &v, err)) < 0)
			return rc;
		ENSURE(r->pids, Grpc__LinuxPids, GRPC__LINUX_PIDS__INIT);
		r->pids->limit = v == 0 ? -1 : v;
	}
	if (o->blkio_weight) {
		if ((rc = parse_int("blkio-weight", o->blkio_weight, 10, 1000, &v, err)) < 0)
			return rc;
		ENSURE(r->blockio, Grpc__LinuxBlockIO, GRPC__LINUX_BLOCK_IO__INIT);
		r->blockio->weight = (uint32_t)v;
	}
	return 0;
}

static int build(const struct kata_update_options *o, Grpc__LinuxResources **ret,
		 struct kata_error *err)
{
	int rc = o->resources_path ? load_resources(o->resources_path, ret, err) : 0;
	if (rc < 0)
		return rc;
	if (!*ret && !(*ret = OCI_NEW(Grpc__LinuxResources, GRPC__LINUX_RESOURCES__INIT)))
		return kata_fail(err, ENOMEM, "out of memory");
	return apply_flags(*ret, o, err);
}

int kata_container_update(const struct kata_context *ctx, const char *id,
			  const struct kata_update_options *opts, struct kata_error *err)
{
	Grpc__LinuxResources *res = NULL;
	int rc = build(opts, &res, err);
	cleanup_free uint8_t *packed = NULL;
	ssize_t len = rc < 0 ? rc : ttrpc_pack_message(&res->base, &packed);
	if (res)
		protobuf_c_message_free_unpacked(&res->base, NULL);
	if (rc < 0)
		return rc;
	if (len < 0)
		return kata_fail(err, ENOMEM, "out of memory");
	char dir[PATH_MAX];
	struct container_state st;
	rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	bool running = !strcmp(st.status, "running") || !strcmp(st.status, "paused");
	container_state_clear(&st);
	if (!running)
		return kata_fail(err, EINVAL, "container %s is not running", id);
	struct control_request req = {.op = CONTROL_UPDATE};
	return control_call_payload(dir, &req, packed, (size_t)len, 30000, NULL, NULL, err);
}
