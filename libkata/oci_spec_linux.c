/* SPDX-License-Identifier: Apache-2.0 */
/* The config.json "linux" section: namespaces, id mappings, devices, paths. */
#include <errno.h>
#include <stdio.h>
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
		/* A host namespace path cannot be joined from inside a VM; a network namespace's
		 * interfaces are passed to the guest instead (network.c). */
		if (*n->path && strcmp(n->type, "network") != 0)
			return kata_fail(err, ENOTSUP,
					 "config.json: linux.namespaces: joining the %s namespace "
					 "\"%s\" is not supported yet",
					 n->type, n->path);
		/* The guest kernel has time namespaces, but the agent does not set their
		 * offsets yet. */
		if (!strcmp(n->type, "time"))
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
	l->devices = calloc(dv->u.array.len, sizeof(*l->devices));
	if (!l->devices)
		return nomem(err);
	const char *p = "linux.devices[]";
	/* The agent creates these nodes in the container's /dev; they reach the guest's
	 * drivers, never the host's. */
	for (size_t i = 0; i < dv->u.array.len; i++) {
		yajl_val e = dv->u.array.values[i];
		if ((rc = json_expect_object(e, "linux", "devices[]", err)) < 0)
			return rc;
		Grpc__LinuxDevice *d = OCI_NEW(Grpc__LinuxDevice, GRPC__LINUX_DEVICE__INIT);
		if (!d)
			return nomem(err);
		l->devices[l->n_devices++] = d;
		if ((rc = json_get_string(e, p, "path", true, &d->path, err)) < 0 ||
		    (rc = json_get_string(e, p, "type", true, &d->type, err)) < 0 ||
		    (rc = json_get_i64(e, p, "major", &d->major, err)) < 0 ||
		    (rc = json_get_i64(e, p, "minor", &d->minor, err)) < 0 ||
		    (rc = json_get_u32(e, p, "fileMode", false, &d->filemode, err)) < 0 ||
		    (rc = json_get_u32(e, p, "uid", false, &d->uid, err)) < 0 ||
		    (rc = json_get_u32(e, p, "gid", false, &d->gid, err)) < 0)
			return rc;
		if (d->path[0] != '/')
			return kata_fail(err, EINVAL,
					 "config.json: linux.devices: path \"%s\" is not absolute",
					 d->path);
		if (strcmp(d->type, "c") && strcmp(d->type, "u") && strcmp(d->type, "b") &&
		    strcmp(d->type, "p"))
			return kata_fail(
			    err, EINVAL,
			    "config.json: linux.devices: %s: type \"%s\" is not c, u, b "
			    "or p",
			    d->path, d->type);
	}
	return 0;
}

static int parse_sysctl(yajl_val lx, Grpc__Linux *l, struct kata_error *err)
{
	yajl_val sc = json_member(lx, "sysctl");
	int rc = json_expect_object(sc, "linux", "sysctl", err);
	if (rc < 0 || !sc || !sc->u.object.len)
		return rc;
	l->sysctl = calloc(sc->u.object.len, sizeof(*l->sysctl));
	if (!l->sysctl)
		return nomem(err);
	for (size_t i = 0; i < sc->u.object.len; i++) {
		const char *key = sc->u.object.keys[i];
		yajl_val v = sc->u.object.values[i];
		if (!YAJL_IS_STRING(v))
			return kata_fail(err, EINVAL,
					 "config.json: linux.sysctl.%s: expected a string", key);
		if (!*key || strstr(key, "..") || strchr(key, '/'))
			return kata_fail(err, EINVAL, "config.json: linux.sysctl: bad name \"%s\"",
					 key);
		Grpc__Linux__SysctlEntry *e =
		    OCI_NEW(Grpc__Linux__SysctlEntry, GRPC__LINUX__SYSCTL_ENTRY__INIT);
		if (!e)
			return nomem(err);
		l->sysctl[l->n_sysctl++] = e;
		if (!(e->key = strdup(key)) || !(e->value = strdup(v->u.string)))
			return nomem(err);
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

/* The kernel's limit on lines in /proc/<pid>/uid_map (UID_GID_MAP_MAX_EXTENTS). */
#define MAX_ID_MAPPINGS 340

static int parse_id_mappings(yajl_val lx, const char *key, Grpc__LinuxIDMapping ***ret,
			     size_t *ret_n, struct kata_error *err)
{
	yajl_val v = json_member(lx, key);
	int rc = json_expect_array(v, "linux", key, err);
	if (rc < 0 || !v || !v->u.array.len)
		return rc;
	if (v->u.array.len > MAX_ID_MAPPINGS)
		return kata_fail(err, EINVAL,
				 "config.json: linux.%s: %zu entries, the kernel takes at most %d",
				 key, v->u.array.len, MAX_ID_MAPPINGS);
	*ret = calloc(v->u.array.len, sizeof(**ret));
	if (!*ret)
		return nomem(err);
	char path[32];
	snprintf(path, sizeof(path), "linux.%s[]", key);
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val e = v->u.array.values[i];
		if ((rc = json_expect_object(e, "linux", path + strlen("linux."), err)) < 0)
			return rc;
		Grpc__LinuxIDMapping *m =
		    OCI_NEW(Grpc__LinuxIDMapping, GRPC__LINUX_IDMAPPING__INIT);
		if (!m)
			return nomem(err);
		(*ret)[(*ret_n)++] = m;
		if ((rc = json_get_u32(e, path, "containerID", true, &m->containerid, err)) < 0 ||
		    (rc = json_get_u32(e, path, "hostID", true, &m->hostid, err)) < 0 ||
		    (rc = json_get_u32(e, path, "size", true, &m->size, err)) < 0)
			return rc;
		if (m->size == 0)
			return kata_fail(err, EINVAL, "config.json: %s.size must be above 0", path);
	}
	return 0;
}

/* As runc: mappings and a new user namespace only make sense together. */
static int check_user_namespace(const Grpc__Linux *l, struct kata_error *err)
{
	bool userns = false;
	for (size_t i = 0; i < l->n_namespaces; i++)
		userns |= !strcmp(l->namespaces[i]->type, "user");
	if (userns && !l->n_uidmappings)
		return kata_fail(err, EINVAL,
				 "config.json: linux.uidMappings: user namespaces enabled, but "
				 "no uid mappings found");
	if (userns && !l->n_gidmappings)
		return kata_fail(err, EINVAL,
				 "config.json: linux.gidMappings: user namespaces enabled, but "
				 "no gid mappings found");
	if (!userns && (l->n_uidmappings || l->n_gidmappings))
		return kata_fail(err, EINVAL,
				 "config.json: linux.%s: user mappings found, but no user "
				 "namespace in linux.namespaces",
				 l->n_uidmappings ? "uidMappings" : "gidMappings");
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
	    (rc = parse_sysctl(lx, l, err)) < 0 ||
	    (rc = parse_id_mappings(lx, "uidMappings", &l->uidmappings, &l->n_uidmappings, err)) <
		0 ||
	    (rc = parse_id_mappings(lx, "gidMappings", &l->gidmappings, &l->n_gidmappings, err)) <
		0 ||
	    (rc = oci_parse_resources(lx, &l->resources, err)) < 0 ||
	    (rc = oci_parse_seccomp(lx, &l->seccomp, err)) < 0 ||
	    (rc = parse_paths(lx, l, err)) < 0)
		return rc;
	if (json_member(lx, "intelRdt"))
		return kata_fail(err, ENOTSUP, "config.json: linux.intelRdt is not supported yet");
	if (json_member(lx, "personality"))
		return kata_fail(err, ENOTSUP,
				 "config.json: linux.personality is not supported yet");
	return check_user_namespace(l, err);
}
