/* SPDX-License-Identifier: Apache-2.0 */
/* The config.json "linux" section: namespaces, id mappings, devices, paths. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_util.h"
#include "oci_spec.h"

static const char *const namespace_types[] = {"pid", "network", "mount",  "ipc",
					      "uts", "user",	"cgroup", "time"};

static int nomem(struct kata_error *err)
{
	return kata_fail(err, ENOMEM, "out of memory");
}

static int parse_namespaces(yajl_val lx, Grpc__Linux *l, struct kata_error *err)
{
	yajl_val ns = json_member(lx, "namespaces");
	int rc = json_expect_array(ns, "linux", "namespaces", err);
	if (rc < 0 || !ns || !ns->u.array.len)
		return rc;
	l->namespaces = calloc(ns->u.array.len, sizeof(*l->namespaces));
	if (!l->namespaces)
		return nomem(err);
	for (size_t i = 0; i < ns->u.array.len; i++) {
		yajl_val e = ns->u.array.values[i];
		if ((rc = json_expect_object(e, "linux", "namespaces[]", err)) < 0)
			return rc;
		Grpc__LinuxNamespace *n =
		    OCI_NEW(Grpc__LinuxNamespace, GRPC__LINUX_NAMESPACE__INIT);
		if (!n)
			return nomem(err);
		l->namespaces[l->n_namespaces++] = n;
		if ((rc = json_get_string(e, "linux.namespaces[]", "type", true, &n->type, err)) <
			0 ||
		    (rc = json_get_string(e, "linux.namespaces[]", "path", false, &n->path, err)) <
			0)
			return rc;
		bool known = false;
		for (size_t t = 0; t < sizeof(namespace_types) / sizeof(*namespace_types); t++)
			known |= !strcmp(n->type, namespace_types[t]);
		if (!known)
			return kata_fail(
			    err, EINVAL,
			    "config.json: linux.namespaces: unknown namespace type \"%s\"",
			    n->type);
		for (size_t j = 0; j + 1 < l->n_namespaces; j++)
			if (!strcmp(l->namespaces[j]->type, n->type))
				return kata_fail(
				    err, EINVAL,
				    "config.json: linux.namespaces: \"%s\" is listed twice",
				    n->type);
		/* A host namespace path cannot be joined from inside a VM. */
		if (*n->path)
			return kata_fail(err, ENOTSUP,
					 "config.json: linux.namespaces: joining the %s namespace "
					 "\"%s\" is not supported yet",
					 n->type, n->path);
		if (!strcmp(n->type, "user") || !strcmp(n->type, "time"))
			return kata_fail(err, ENOTSUP,
					 "config.json: linux.namespaces: the %s namespace is not "
					 "supported yet",
					 n->type);
	}
	return 0;
}

static int parse_devices(yajl_val lx, Grpc__Linux *l, struct kata_error *err)
{
	yajl_val dv = json_member(lx, "devices");
	int rc = json_expect_array(dv, "linux", "devices", err);
	if (rc < 0 || !dv || !dv->u.array.len)
		return rc;
	/* Devices come from the guest, not the host: not wired up yet. */
	return kata_fail(err, ENOTSUP, "config.json: linux.devices is not supported yet");
}

static int parse_sysctl(yajl_val lx, Grpc__Linux *l, struct kata_error *err)
{
	yajl_val sc = json_member(lx, "sysctl");
	int rc = json_expect_object(sc, "linux", "sysctl", err);
	if (rc < 0 || !sc || !sc->u.object.len)
		return rc;
	return kata_fail(err, ENOTSUP, "config.json: linux.sysctl is not supported yet");
}

/* Resource limits are applied in the guest (not yet): refuse rather than ignore them. */
static int check_resources(yajl_val lx, struct kata_error *err)
{
	yajl_val res = json_member(lx, "resources");
	int rc = json_expect_object(res, "linux", "resources", err);
	if (rc < 0 || !res)
		return rc;
	for (size_t i = 0; i < res->u.object.len; i++) {
		const char *key = res->u.object.keys[i];
		yajl_val v = res->u.object.values[i];
		/* Device rules guard host device nodes; the container sees only the guest's
		 * default devices, which every runc default rule set allows. */
		if (!strcmp(key, "devices") || YAJL_IS_NULL(v))
			continue;
		if ((YAJL_IS_OBJECT(v) && v->u.object.len == 0) ||
		    (YAJL_IS_ARRAY(v) && v->u.array.len == 0))
			continue;
		return kata_fail(err, ENOTSUP,
				 "config.json: linux.resources.%s is not supported yet", key);
	}
	return 0;
}

static int parse_paths(yajl_val lx, Grpc__Linux *l, struct kata_error *err)
{
	int rc;
	if ((rc = json_get_strings(lx, "linux", "maskedPaths", &l->maskedpaths, &l->n_maskedpaths,
				   err)) < 0 ||
	    (rc = json_get_strings(lx, "linux", "readonlyPaths", &l->readonlypaths,
				   &l->n_readonlypaths, err)) < 0 ||
	    (rc = json_get_string(lx, "linux", "cgroupsPath", false, &l->cgroupspath, err)) < 0 ||
	    (rc = json_get_string(lx, "linux", "rootfsPropagation", false, &l->rootfspropagation,
				  err)) < 0 ||
	    (rc = json_get_string(lx, "linux", "mountLabel", false, &l->mountlabel, err)) < 0)
		return rc;
	return 0;
}

int oci_parse_linux(yajl_val lx, Grpc__Linux **ret, struct kata_error *err)
{
	Grpc__Linux *l = OCI_NEW(Grpc__Linux, GRPC__LINUX__INIT);
	if (!l)
		return nomem(err);
	*ret = l;
	int rc;
	if ((rc = parse_namespaces(lx, l, err)) < 0 || (rc = parse_devices(lx, l, err)) < 0 ||
	    (rc = parse_sysctl(lx, l, err)) < 0 || (rc = check_resources(lx, err)) < 0 ||
	    (rc = parse_paths(lx, l, err)) < 0)
		return rc;
	if (json_member(lx, "seccomp"))
		return kata_fail(err, ENOTSUP, "config.json: linux.seccomp is not supported yet");
	yajl_val um = json_member(lx, "uidMappings"), gm = json_member(lx, "gidMappings");
	if ((um && YAJL_IS_ARRAY(um) && um->u.array.len) ||
	    (gm && YAJL_IS_ARRAY(gm) && gm->u.array.len))
		return kata_fail(
		    err, ENOTSUP,
		    "config.json: linux.uidMappings/gidMappings are not supported yet");
	return 0;
}
