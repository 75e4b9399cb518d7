/* SPDX-License-Identifier: Apache-2.0 */
#include "oci_spec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "hooks.h"
#include "json_util.h"

#define CONFIG_MAX_SIZE (16u << 20)

void *oci_alloc(size_t size, const void *init)
{
	void *p = malloc(size);
	if (p)
		memcpy(p, init, size);
	return p;
}

static int nomem(struct kata_error *err)
{
	return kata_fail(err, ENOMEM, "out of memory");
}

static int parse_user(yajl_val proc, Grpc__User **ret, struct kata_error *err)
{
	yajl_val u = json_member(proc, "user");
	int rc = json_expect_object(u, "process", "user", err);
	if (rc < 0)
		return rc;
	Grpc__User *user = OCI_NEW(Grpc__User, GRPC__USER__INIT);
	if (!user)
		return nomem(err);
	*ret = user;
	if (!u)
		return 0;
	if ((rc = json_get_u32(u, "process.user", "uid", false, &user->uid, err)) < 0 ||
	    (rc = json_get_u32(u, "process.user", "gid", false, &user->gid, err)) < 0 ||
	    (rc = json_get_string(u, "process.user", "username", false, &user->username, err)) < 0)
		return rc;
	yajl_val gids = json_member(u, "additionalGids");
	if ((rc = json_expect_array(gids, "process.user", "additionalGids", err)) < 0)
		return rc;
	if (gids && gids->u.array.len) {
		user->additionalgids = calloc(gids->u.array.len, sizeof(uint32_t));
		if (!user->additionalgids)
			return nomem(err);
		for (size_t i = 0; i < gids->u.array.len; i++) {
			yajl_val g = gids->u.array.values[i];
			if (!YAJL_IS_INTEGER(g) || YAJL_GET_INTEGER(g) < 0 ||
			    YAJL_GET_INTEGER(g) > UINT32_MAX)
				return kata_fail(
				    err, EINVAL,
				    "config.json: process.user.additionalGids: expected "
				    "an array of non-negative integers");
			user->additionalgids[user->n_additionalgids++] =
			    (uint32_t)YAJL_GET_INTEGER(g);
		}
	}
	/* Carried in a kata field of grpc.User (oci.proto: umask = 100) and set by the agent just
	 * before the exec. */
	if ((rc = json_get_u32(u, "process.user", "umask", false, &user->umask, err)) < 0)
		return rc;
	if (rc > 0) {
		if (user->umask > 0777)
			return kata_fail(
			    err, EINVAL,
			    "config.json: process.user.umask: %#o is not a file mode mask",
			    user->umask);
		user->umask_case = GRPC__USER__UMASK_UMASK;
	}
	return 0;
}

/* The names libcap knows are what the agent's libcap can set: check them here, naming the set. */
static int check_cap_names(const char *set, char **names, size_t n, struct kata_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char lower[64];
		size_t j;
		for (j = 0; names[i][j] && j < sizeof(lower) - 1; j++)
			lower[j] = (char)tolower((unsigned char)names[i][j]);
		lower[j] = '\0';
		cap_value_t v;
		if (strncmp(lower, "cap_", 4) != 0 || names[i][j] || cap_from_name(lower, &v) < 0)
			return kata_fail(err, EINVAL,
					 "config.json: process.capabilities.%s: unknown capability "
					 "\"%s\"",
					 set, names[i]);
	}
	return 0;
}

static int parse_capabilities(yajl_val proc, Grpc__LinuxCapabilities **ret, struct kata_error *err)
{
	yajl_val c = json_member(proc, "capabilities");
	int rc = json_expect_object(c, "process", "capabilities", err);
	if (rc < 0 || !c)
		return rc;
	Grpc__LinuxCapabilities *caps =
	    OCI_NEW(Grpc__LinuxCapabilities, GRPC__LINUX_CAPABILITIES__INIT);
	if (!caps)
		return nomem(err);
	*ret = caps;
	const char *p = "process.capabilities";
	if ((rc = json_get_strings(c, p, "bounding", &caps->bounding, &caps->n_bounding, err)) <
		0 ||
	    (rc = json_get_strings(c, p, "effective", &caps->effective, &caps->n_effective, err)) <
		0 ||
	    (rc = json_get_strings(c, p, "inheritable", &caps->inheritable, &caps->n_inheritable,
				   err)) < 0 ||
	    (rc = json_get_strings(c, p, "permitted", &caps->permitted, &caps->n_permitted, err)) <
		0 ||
	    (rc = json_get_strings(c, p, "ambient", &caps->ambient, &caps->n_ambient, err)) < 0)
		return rc;
	if ((rc = check_cap_names("bounding", caps->bounding, caps->n_bounding, err)) < 0 ||
	    (rc = check_cap_names("effective", caps->effective, caps->n_effective, err)) < 0 ||
	    (rc = check_cap_names("inheritable", caps->inheritable, caps->n_inheritable, err)) <
		0 ||
	    (rc = check_cap_names("permitted", caps->permitted, caps->n_permitted, err)) < 0 ||
	    (rc = check_cap_names("ambient", caps->ambient, caps->n_ambient, err)) < 0)
		return rc;
	return 0;
}

static const char *const rlimit_types[] = {
    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",	   "RLIMIT_DATA",
    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",	   "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",	   "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
};

static int parse_rlimits(yajl_val proc, Grpc__Process *p, struct kata_error *err)
{
	yajl_val rl = json_member(proc, "rlimits");
	int rc = json_expect_array(rl, "process", "rlimits", err);
	if (rc < 0 || !rl || !rl->u.array.len)
		return rc;
	p->rlimits = calloc(rl->u.array.len, sizeof(*p->rlimits));
	if (!p->rlimits)
		return nomem(err);
	for (size_t i = 0; i < rl->u.array.len; i++) {
		yajl_val r = rl->u.array.values[i];
		if ((rc = json_expect_object(r, "process", "rlimits[]", err)) < 0)
			return rc;
		Grpc__POSIXRlimit *l = OCI_NEW(Grpc__POSIXRlimit, GRPC__POSIXRLIMIT__INIT);
		if (!l)
			return nomem(err);
		p->rlimits[p->n_rlimits++] = l;
		if ((rc = json_get_string(r, "process.rlimits[]", "type", true, &l->type, err)) <
			0 ||
		    (rc = json_get_u64(r, "process.rlimits[]", "hard", true, &l->hard, err)) < 0 ||
		    (rc = json_get_u64(r, "process.rlimits[]", "soft", true, &l->soft, err)) < 0)
			return rc;
		bool known = false;
		for (size_t t = 0; t < sizeof(rlimit_types) / sizeof(*rlimit_types); t++)
			known |= !strcmp(l->type, rlimit_types[t]);
		if (!known)
			return kata_fail(err, EINVAL,
					 "config.json: process.rlimits: unknown rlimit type \"%s\"",
					 l->type);
		if (l->soft > l->hard)
			return kata_fail(
			    err, EINVAL,
			    "config.json: process.rlimits: %s soft limit %llu is above "
			    "the hard limit %llu",
			    l->type, (unsigned long long)l->soft, (unsigned long long)l->hard);
		for (size_t j = 0; j + 1 < p->n_rlimits; j++)
			if (!strcmp(p->rlimits[j]->type, l->type))
				return kata_fail(err, EINVAL,
						 "config.json: process.rlimits: %s is listed twice",
						 l->type);
	}
	return 0;
}

static int parse_process(yajl_val root, Grpc__Process **ret, struct kata_error *err)
{
	yajl_val proc = json_member(root, "process");
	if (!proc)
		return kata_fail(err, EINVAL, "config.json: process is required");
	int rc = json_expect_object(proc, "", "process", err);
	if (rc < 0)
		return rc;
	Grpc__Process *p = OCI_NEW(Grpc__Process, GRPC__PROCESS__INIT);
	if (!p)
		return nomem(err);
	*ret = p;
	if ((rc = json_get_bool(proc, "process", "terminal", &p->terminal, err)) < 0 ||
	    (rc = json_get_strings(proc, "process", "args", &p->args, &p->n_args, err)) < 0 ||
	    (rc = json_get_strings(proc, "process", "env", &p->env, &p->n_env, err)) < 0 ||
	    (rc = json_get_string(proc, "process", "cwd", true, &p->cwd, err)) < 0 ||
	    (rc = json_get_bool(proc, "process", "noNewPrivileges", &p->nonewprivileges, err)) <
		0 ||
	    (rc = json_get_string(proc, "process", "apparmorProfile", false, &p->apparmorprofile,
				  err)) < 0 ||
	    (rc = json_get_i64(proc, "process", "oomScoreAdj", &p->oomscoreadj, err)) < 0 ||
	    (rc = json_get_string(proc, "process", "selinuxLabel", false, &p->selinuxlabel, err)) <
		0)
		return rc;
	if (p->n_args == 0 || !*p->args[0])
		return kata_fail(err, EINVAL, "config.json: process.args must not be empty");
	if (p->cwd[0] != '/')
		return kata_fail(err, EINVAL,
				 "config.json: process.cwd \"%s\" is not an absolute path", p->cwd);
	yajl_val cs = json_member(proc, "consoleSize");
	if ((rc = json_expect_object(cs, "process", "consoleSize", err)) < 0)
		return rc;
	if (cs) {
		p->consolesize = OCI_NEW(Grpc__Box, GRPC__BOX__INIT);
		if (!p->consolesize)
			return nomem(err);
		if ((rc = json_get_u32(cs, "process.consoleSize", "height", true,
				       &p->consolesize->height, err)) < 0 ||
		    (rc = json_get_u32(cs, "process.consoleSize", "width", true,
				       &p->consolesize->width, err)) < 0)
			return rc;
	}
	if ((rc = parse_user(proc, &p->user, err)) < 0 ||
	    (rc = parse_capabilities(proc, &p->capabilities, err)) < 0 ||
	    (rc = parse_rlimits(proc, p, err)) < 0)
		return rc;
	return 0;
}

static int parse_mounts(yajl_val root, Grpc__Spec *spec, struct kata_error *err)
{
	yajl_val m = json_member(root, "mounts");
	int rc = json_expect_array(m, "", "mounts", err);
	if (rc < 0 || !m || !m->u.array.len)
		return rc;
	spec->mounts = calloc(m->u.array.len, sizeof(*spec->mounts));
	if (!spec->mounts)
		return nomem(err);
	for (size_t i = 0; i < m->u.array.len; i++) {
		yajl_val e = m->u.array.values[i];
		if ((rc = json_expect_object(e, "mounts", "[]", err)) < 0)
			return rc;
		Grpc__Mount *mnt = OCI_NEW(Grpc__Mount, GRPC__MOUNT__INIT);
		if (!mnt)
			return nomem(err);
		spec->mounts[spec->n_mounts++] = mnt;
		if ((rc = json_get_string(e, "mounts[]", "destination", true, &mnt->destination,
					  err)) < 0 ||
		    (rc = json_get_string(e, "mounts[]", "source", false, &mnt->source, err)) < 0 ||
		    (rc = json_get_string(e, "mounts[]", "type", false, &mnt->type, err)) < 0 ||
		    (rc = json_get_strings(e, "mounts[]", "options", &mnt->options, &mnt->n_options,
					   err)) < 0)
			return rc;
		if (mnt->destination[0] != '/')
			return kata_fail(err, EINVAL,
					 "config.json: mounts: destination \"%s\" is not absolute",
					 mnt->destination);
	}
	return 0;
}

static int parse_annotations(yajl_val root, struct oci_spec *s, struct kata_error *err)
{
	yajl_val a = json_member(root, "annotations");
	int rc = json_expect_object(a, "", "annotations", err);
	if (rc < 0 || !a)
		return rc;
	Grpc__Spec *spec = s->spec;
	if (a->u.object.len) {
		spec->annotations = calloc(a->u.object.len, sizeof(*spec->annotations));
		if (!spec->annotations)
			return nomem(err);
	}
	for (size_t i = 0; i < a->u.object.len; i++) {
		yajl_val v = a->u.object.values[i];
		if (!YAJL_IS_STRING(v))
			return kata_fail(err, EINVAL,
					 "config.json: annotations.%s: expected a string",
					 a->u.object.keys[i]);
		Grpc__Spec__AnnotationsEntry *e =
		    OCI_NEW(Grpc__Spec__AnnotationsEntry, GRPC__SPEC__ANNOTATIONS_ENTRY__INIT);
		if (!e)
			return nomem(err);
		spec->annotations[spec->n_annotations++] = e;
		if (!(e->key = strdup(a->u.object.keys[i])) || !(e->value = strdup(v->u.string)))
			return nomem(err);
	}
	if (json_serialize(a, &s->annotations_json) < 0)
		return nomem(err);
	return 0;
}

static int resolve_rootfs(struct oci_spec *s, struct kata_error *err)
{
	const char *path = s->spec->root->path;
	cleanup_free char *joined = NULL;
	if (path[0] != '/' && asprintf(&joined, "%s/%s", s->bundle, path) < 0)
		return nomem(err);
	char resolved[PATH_MAX];
	if (!realpath(joined ? joined : path, resolved))
		return kata_fail_errno(err, errno, "rootfs \"%s\"", joined ? joined : path);
	struct stat st;
	if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode))
		return kata_fail(err, ENOTDIR, "rootfs \"%s\" is not a directory", resolved);
	if (!(s->rootfs = strdup(resolved)))
		return nomem(err);
	return 0;
}

int oci_spec_parse(const char *json, const char *bundle, struct oci_spec **ret,
		   struct kata_error *err)
{
	char errbuf[256] = "";
	yajl_val root = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	if (!root) {
		char *nl = strchr(errbuf, '\n');
		if (nl)
			*nl = '\0';
		return kata_fail(err, EINVAL, "config.json: invalid JSON: %s", errbuf);
	}
	struct oci_spec *s = calloc(1, sizeof(*s));
	int rc = -ENOMEM;
	if (!s || !(s->bundle = strdup(bundle)) ||
	    !(s->spec = OCI_NEW(Grpc__Spec, GRPC__SPEC__INIT))) {
		rc = nomem(err);
		goto out;
	}
	if (!YAJL_IS_OBJECT(root)) {
		rc = kata_fail(err, EINVAL, "config.json: expected a JSON object");
		goto out;
	}
	Grpc__Spec *spec = s->spec;
	if ((rc = json_get_string(root, "", "ociVersion", true, &spec->version, err)) < 0)
		goto out;
	if (strncmp(spec->version, "1.", 2) != 0) {
		rc = kata_fail(err, EINVAL, "config.json: unsupported ociVersion \"%s\" (want 1.x)",
			       spec->version);
		goto out;
	}
	yajl_val r = json_member(root, "root");
	if (!r) {
		rc = kata_fail(err, EINVAL, "config.json: root is required");
		goto out;
	}
	if ((rc = json_expect_object(r, "", "root", err)) < 0)
		goto out;
	if (!(spec->root = OCI_NEW(Grpc__Root, GRPC__ROOT__INIT))) {
		rc = nomem(err);
		goto out;
	}
	if ((rc = json_get_string(r, "root", "path", true, &spec->root->path, err)) < 0 ||
	    (rc = json_get_bool(r, "root", "readonly", &spec->root->readonly, err)) < 0 ||
	    (rc = json_get_string(root, "", "hostname", false, &spec->hostname, err)) < 0 ||
	    (rc = json_get_string(root, "", "domainname", false, &spec->domainname, err)) < 0 ||
	    (rc = hooks_parse(json_member(root, "hooks"), &s->hooks_json, err)) < 0 ||
	    (rc = parse_process(root, &spec->process, err)) < 0 ||
	    (rc = parse_mounts(root, spec, err)) < 0 || (rc = parse_annotations(root, s, err)) < 0)
		goto out;
	yajl_val lx = json_member(root, "linux");
	if ((rc = json_expect_object(lx, "", "linux", err)) < 0)
		goto out;
	if (lx && (rc = oci_parse_linux(lx, &spec->linux, err)) < 0)
		goto out;
	if ((rc = resolve_rootfs(s, err)) < 0)
		goto out;
	*ret = s;
	s = NULL;
	rc = 0;
out:
	oci_spec_free(s);
	yajl_tree_free(root);
	return rc;
}

int oci_spec_load(const char *bundle, struct oci_spec **ret, struct kata_error *err)
{
	char abs[PATH_MAX];
	if (!realpath(bundle, abs))
		return kata_fail_errno(err, errno, "bundle \"%s\"", bundle);
	cleanup_free char *path = NULL, *json = NULL;
	if (asprintf(&path, "%s/config.json", abs) < 0)
		return nomem(err);
	int rc = read_file(path, CONFIG_MAX_SIZE, &json, NULL);
	if (rc == -EFBIG)
		return kata_fail(err, EFBIG, "%s: larger than %u bytes", path, CONFIG_MAX_SIZE);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "open %s", path);
	return oci_spec_parse(json, abs, ret, err);
}

struct oci_spec *oci_spec_free(struct oci_spec *s)
{
	if (!s)
		return NULL;
	if (s->spec)
		protobuf_c_message_free_unpacked(&s->spec->base, NULL);
	free(s->bundle);
	free(s->rootfs);
	free(s->annotations_json);
	free(s->hooks_json);
	free(s);
	return NULL;
}
