/* SPDX-License-Identifier: Apache-2.0 */
#include "exec_process.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "oci_spec.h"
#include "ttrpc.h"

static int nomem(struct kata_error *err)
{
	return kata_fail(err, ENOMEM, "out of memory");
}

/* Replaces *slot with a copy of value (the spec owns its strings). */
static int set_string(char **slot, const char *value, struct kata_error *err)
{
	char *copy = strdup(value);
	if (!copy)
		return nomem(err);
	/* An unset protobuf string is the library's static empty string, not ours to free. */
	if (*slot != protobuf_c_empty_string)
		free(*slot);
	*slot = copy;
	return 0;
}

static int append_string(char ***vec, size_t *n, const char *value, struct kata_error *err)
{
	char **grown = realloc(*vec, (*n + 1) * sizeof(**vec));
	if (!grown)
		return nomem(err);
	*vec = grown;
	if (!(grown[*n] = strdup(value)))
		return nomem(err);
	(*n)++;
	return 0;
}

static int parse_id(const char *s, uint32_t *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX || *s == '-')
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

/* runc's --env: a KEY=VALUE that replaces the config's entry for KEY, or is added. */
static int apply_env(Grpc__Process *p, const char *entry, struct kata_error *err)
{
	const char *eq = strchr(entry, '=');
	if (!eq || eq == entry)
		return kata_fail(err, EINVAL, "invalid --env \"%s\": expected KEY=VALUE", entry);
	size_t klen = (size_t)(eq - entry) + 1;
	for (size_t i = 0; i < p->n_env; i++)
		if (!strncmp(p->env[i], entry, klen))
			return set_string(&p->env[i], entry, err);
	return append_string(&p->env, &p->n_env, entry, err);
}

static int apply_user(Grpc__Process *p, const char *user, struct kata_error *err)
{
	cleanup_free char *copy = strdup(user);
	if (!copy)
		return nomem(err);
	char *gid = strchr(copy, ':');
	if (gid)
		*gid++ = '\0';
	uint32_t u, g = 0;
	if (parse_id(copy, &u) < 0 || (gid && parse_id(gid, &g) < 0))
		return kata_fail(err, EINVAL,
				 "invalid --user \"%s\": expected uid[:gid] (numeric ids)", user);
	p->user->uid = u;
	p->user->gid = gid ? g : 0;
	return 0;
}

static int apply_caps(Grpc__Process *p, const char *cap, struct kata_error *err)
{
	if (strncmp(cap, "CAP_", 4) != 0 || !cap[4] ||
	    cap[4 + strspn(cap + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_")])
		return kata_fail(err, EINVAL, "invalid --cap \"%s\": expected a name like CAP_KILL",
				 cap);
	if (!p->capabilities) {
		p->capabilities = OCI_NEW(Grpc__LinuxCapabilities, GRPC__LINUX_CAPABILITIES__INIT);
		if (!p->capabilities)
			return nomem(err);
	}
	/* runc adds an exec's capabilities to the bounding, effective and permitted sets. */
	Grpc__LinuxCapabilities *c = p->capabilities;
	int rc;
	if ((rc = append_string(&c->bounding, &c->n_bounding, cap, err)) < 0 ||
	    (rc = append_string(&c->effective, &c->n_effective, cap, err)) < 0 ||
	    (rc = append_string(&c->permitted, &c->n_permitted, cap, err)) < 0)
		return rc;
	return 0;
}

static int apply_flags(Grpc__Process *p, const struct kata_exec_options *o, struct kata_error *err)
{
	int rc;
	for (size_t i = 0; i < p->n_args; i++)
		free(p->args[i]);
	p->n_args = 0;
	for (size_t i = 0; i < o->n_args; i++)
		if ((rc = append_string(&p->args, &p->n_args, o->args[i], err)) < 0)
			return rc;
	for (size_t i = 0; i < o->n_env; i++)
		if ((rc = apply_env(p, o->env[i], err)) < 0)
			return rc;
	if (o->cwd && (rc = set_string(&p->cwd, o->cwd, err)) < 0)
		return rc;
	if (!p->user && !(p->user = OCI_NEW(Grpc__User, GRPC__USER__INIT)))
		return nomem(err);
	if (o->user && (rc = apply_user(p, o->user, err)) < 0)
		return rc;
	for (size_t i = 0; i < o->n_additional_gids; i++) {
		uint32_t g;
		if (parse_id(o->additional_gids[i], &g) < 0)
			return kata_fail(err, EINVAL, "invalid --additional-gids \"%s\"",
					 o->additional_gids[i]);
		uint32_t *grown = realloc(p->user->additionalgids,
					  (p->user->n_additionalgids + 1) * sizeof(*grown));
		if (!grown)
			return nomem(err);
		grown[p->user->n_additionalgids++] = g;
		p->user->additionalgids = grown;
	}
	for (size_t i = 0; i < o->n_caps; i++)
		if ((rc = apply_caps(p, o->caps[i], err)) < 0)
			return rc;
	if (o->no_new_privs)
		p->nonewprivileges = 1;
	if (o->process_label && (rc = set_string(&p->selinuxlabel, o->process_label, err)) < 0)
		return rc;
	if (o->apparmor && (rc = set_string(&p->apparmorprofile, o->apparmor, err)) < 0)
		return rc;
	return 0;
}

/* A process.json is checked by the same parser as config.json: wrap it into a minimal spec
 * whose root is the container's. */
static int load_process_file(const char *path, const struct container_state *st,
			     struct oci_spec **ret, struct kata_error *err)
{
	cleanup_free char *json = NULL;
	int rc = read_file(path, 1 << 20, &json, NULL);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "read process file %s", path);
	cleanup_free char *doc = NULL;
	if (asprintf(&doc,
		     "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"%s\"}, \"process\": %s}",
		     st->rootfs ? st->rootfs : "/", json) < 0)
		return nomem(err);
	rc = oci_spec_parse(doc, st->bundle ? st->bundle : "/", ret, err);
	if (rc < 0)
		return kata_error_prefix(err, rc, "process file %s", path);
	return 0;
}

long exec_process_pack(const struct kata_exec_options *opts, const struct container_state *st,
		       uint8_t **ret_buf, struct kata_error *err)
{
	struct oci_spec *spec = NULL;
	int rc = opts->process_path ? load_process_file(opts->process_path, st, &spec, err)
				    : oci_spec_load(st->bundle ? st->bundle : ".", &spec, err);
	if (rc < 0)
		return rc;
	Grpc__Process *p = spec->spec->process;
	if (!p) {
		oci_spec_free(spec);
		return kata_fail(err, EINVAL, "the container's config.json has no process");
	}
	if (!opts->process_path)
		rc = apply_flags(p, opts, err);
	if (rc >= 0 && p->n_args == 0)
		rc = kata_fail(err, EINVAL, "exec: no command given");
	if (rc >= 0) {
		p->terminal = opts->tty || (opts->process_path && p->terminal);
		ssize_t n = ttrpc_pack_message(&p->base, ret_buf);
		rc = n < 0 ? nomem(err) : (int)n;
	}
	oci_spec_free(spec);
	return rc;
}
