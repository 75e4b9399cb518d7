/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources: translated into grpc.LinuxResources, which the agent applies to the
 * container's cgroup v2 inside the guest (agent/cgroup.c). Every field the agent does not
 * apply is refused here, naming it, rather than silently dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_util.h"
#include "oci_spec.h"

static int nomem(struct kata_error *err)
{
	return kata_fail(err, ENOMEM, "out of memory");
}

static int unsupported(struct kata_error *err, const char *field)
{
	return kata_fail(err, ENOTSUP,
			 "config.json: linux.resources.%s is not supported yet (cgroup v2 in the "
			 "guest)",
			 field);
}

/* True when key is present with a value other than JSON null or an empty array/object. */
static bool present(yajl_val obj, const char *key)
{
	yajl_val v = json_member(obj, key);
	if (!v)
		return false;
	if (YAJL_IS_ARRAY(v))
		return v->u.array.len > 0;
	if (YAJL_IS_OBJECT(v))
		return v->u.object.len > 0;
	return true;
}

static int parse_memory(yajl_val res, Grpc__LinuxResources *r, struct kata_error *err)
{
	yajl_val m = json_member(res, "memory");
	int rc = json_expect_object(m, "linux.resources", "memory", err);
	if (rc < 0 || !m)
		return rc;
	const char *p = "linux.resources.memory";
	Grpc__LinuxMemory *mem = OCI_NEW(Grpc__LinuxMemory, GRPC__LINUX_MEMORY__INIT);
	if (!mem)
		return nomem(err);
	r->memory = mem;
	if ((rc = json_get_i64(m, p, "limit", &mem->limit, err)) < 0 ||
	    (rc = json_get_i64(m, p, "reservation", &mem->reservation, err)) < 0 ||
	    (rc = json_get_i64(m, p, "swap", &mem->swap, err)) < 0)
		return rc;
	/* Kernel memory limits are gone from cgroup v2; runc ignores them there too, but a limit
	 * the workload asked for must not vanish unseen. */
	if (present(m, "kernel"))
		return unsupported(err, "memory.kernel");
	if (present(m, "kernelTCP"))
		return unsupported(err, "memory.kernelTCP");
	if (present(m, "swappiness"))
		return unsupported(err, "memory.swappiness");
	yajl_val oom = json_member(m, "disableOOMKiller");
	if (oom && YAJL_IS_TRUE(oom))
		return unsupported(err, "memory.disableOOMKiller");
	return 0;
}

static int parse_cpu(yajl_val res, Grpc__LinuxResources *r, struct kata_error *err)
{
	yajl_val c = json_member(res, "cpu");
	int rc = json_expect_object(c, "linux.resources", "cpu", err);
	if (rc < 0 || !c)
		return rc;
	const char *p = "linux.resources.cpu";
	Grpc__LinuxCPU *cpu = OCI_NEW(Grpc__LinuxCPU, GRPC__LINUX_CPU__INIT);
	if (!cpu)
		return nomem(err);
	r->cpu = cpu;
	if ((rc = json_get_u64(c, p, "shares", false, &cpu->shares, err)) < 0 ||
	    (rc = json_get_i64(c, p, "quota", &cpu->quota, err)) < 0 ||
	    (rc = json_get_u64(c, p, "period", false, &cpu->period, err)) < 0 ||
	    (rc = json_get_string(c, p, "cpus", false, &cpu->cpus, err)) < 0 ||
	    (rc = json_get_string(c, p, "mems", false, &cpu->mems, err)) < 0)
		return rc;
	if (present(c, "realtimeRuntime") || present(c, "realtimePeriod"))
		return unsupported(err, "cpu.realtimeRuntime/realtimePeriod");
	if (present(c, "idle"))
		return unsupported(err, "cpu.idle");
	if (present(c, "burst"))
		return unsupported(err, "cpu.burst");
	return 0;
}

static int parse_pids(yajl_val res, Grpc__LinuxResources *r, struct kata_error *err)
{
	yajl_val pv = json_member(res, "pids");
	int rc = json_expect_object(pv, "linux.resources", "pids", err);
	if (rc < 0 || !pv)
		return rc;
	Grpc__LinuxPids *pids = OCI_NEW(Grpc__LinuxPids, GRPC__LINUX_PIDS__INIT);
	if (!pids)
		return nomem(err);
	r->pids = pids;
	return json_get_i64(pv, "linux.resources.pids", "limit", &pids->limit, err);
}

static int parse_blockio(yajl_val res, Grpc__LinuxResources *r, struct kata_error *err)
{
	yajl_val b = json_member(res, "blockIO");
	int rc = json_expect_object(b, "linux.resources", "blockIO", err);
	if (rc < 0 || !b)
		return rc;
	/* Per-device rules name host block devices, which the guest does not have. */
	static const char *const refused[] = {"leafWeight",
					      "weightDevice",
					      "throttleReadBpsDevice",
					      "throttleWriteBpsDevice",
					      "throttleReadIOPSDevice",
					      "throttleWriteIOPSDevice"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		if (present(b, refused[i])) {
			char field[64];
			snprintf(field, sizeof(field), "blockIO.%s", refused[i]);
			return unsupported(err, field);
		}
	Grpc__LinuxBlockIO *bio = OCI_NEW(Grpc__LinuxBlockIO, GRPC__LINUX_BLOCK_IO__INIT);
	if (!bio)
		return nomem(err);
	r->blockio = bio;
	if ((rc = json_get_u32(b, "linux.resources.blockIO", "weight", false, &bio->weight, err)) <
	    0)
		return rc;
	/* 0 means unset, as in runc: docker sends it for every container. */
	if (rc > 0 && bio->weight && (bio->weight < 10 || bio->weight > 1000))
		return kata_fail(err, EINVAL,
				 "config.json: linux.resources.blockIO.weight: %u is not 10-1000",
				 bio->weight);
	return 0;
}

static int parse_device_rules(yajl_val res, Grpc__LinuxResources *r, struct kata_error *err)
{
	yajl_val dv = json_member(res, "devices");
	int rc = json_expect_array(dv, "linux.resources", "devices", err);
	if (rc < 0 || !dv || !dv->u.array.len)
		return rc;
	r->devices = calloc(dv->u.array.len, sizeof(*r->devices));
	if (!r->devices)
		return nomem(err);
	const char *p = "linux.resources.devices[]";
	for (size_t i = 0; i < dv->u.array.len; i++) {
		yajl_val e = dv->u.array.values[i];
		if ((rc = json_expect_object(e, "linux.resources", "devices[]", err)) < 0)
			return rc;
		Grpc__LinuxDeviceCgroup *d =
		    OCI_NEW(Grpc__LinuxDeviceCgroup, GRPC__LINUX_DEVICE_CGROUP__INIT);
		if (!d)
			return nomem(err);
		r->devices[r->n_devices++] = d;
		d->major = d->minor = -1; /* absent: any */
		if ((rc = json_get_bool(e, p, "allow", &d->allow, err)) < 0 ||
		    (rc = json_get_string(e, p, "type", false, &d->type, err)) < 0 ||
		    (rc = json_get_i64(e, p, "major", &d->major, err)) < 0 ||
		    (rc = json_get_i64(e, p, "minor", &d->minor, err)) < 0 ||
		    (rc = json_get_string(e, p, "access", false, &d->access, err)) < 0)
			return rc;
		if (*d->type && strcmp(d->type, "a") && strcmp(d->type, "c") &&
		    strcmp(d->type, "b"))
			return kata_fail(err, EINVAL,
					 "config.json: %s.type: \"%s\" is not a, b or c", p,
					 d->type);
		if (d->access[strspn(d->access, "rwm")])
			return kata_fail(err, EINVAL,
					 "config.json: %s.access: \"%s\" is not made of r, w, m", p,
					 d->access);
	}
	return 0;
}

int oci_parse_resources(yajl_val lx, Grpc__LinuxResources **ret, struct kata_error *err)
{
	yajl_val res = json_member(lx, "resources");
	int rc = json_expect_object(res, "linux", "resources", err);
	if (rc < 0 || !res)
		return rc;
	static const char *const refused[] = {"hugepageLimits", "network", "rdma", "unified"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		if (present(res, refused[i]))
			return unsupported(err, refused[i]);
	Grpc__LinuxResources *r = OCI_NEW(Grpc__LinuxResources, GRPC__LINUX_RESOURCES__INIT);
	if (!r)
		return nomem(err);
	*ret = r;
	if ((rc = parse_memory(res, r, err)) < 0 || (rc = parse_cpu(res, r, err)) < 0 ||
	    (rc = parse_pids(res, r, err)) < 0 || (rc = parse_blockio(res, r, err)) < 0 ||
	    (rc = parse_device_rules(res, r, err)) < 0)
		return rc;
	return 0;
}
