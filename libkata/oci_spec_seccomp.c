/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: translated into grpc.LinuxSeccomp and checked on the host, so a profile the
 * agent cannot load fails `create` with a message naming the field instead of failing in the
 * guest. Names are checked with the host's libseccomp, the same library the agent links.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "error.h"
#include "json_util.h"
#include "oci_spec.h"

static const char *const actions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",	       "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
};

static const char *const operators[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	"SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

/* The flags the agent's libseccomp sets (seccomp_filter.c). */
static const char *const flags[] = {
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_TSYNC",
};

#define IN_LIST(name, list) in_list(name, list, sizeof(list) / sizeof(*(list)))

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

static int nomem(struct kata_error *err)
{
	return kata_fail(err, ENOMEM, "out of memory");
}

static int check_action(const char *field, const char *action, struct kata_error *err)
{
	if (!strcmp(action, "SCMP_ACT_NOTIFY"))
		return kata_fail(err, ENOTSUP,
				 "config.json: %s: SCMP_ACT_NOTIFY is not supported yet", field);
	if (!IN_LIST(action, actions))
		return kata_fail(err, EINVAL, "config.json: %s: unknown seccomp action \"%s\"",
				 field, action);
	return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64", as the agent resolves it. */
static bool arch_known(const char *name)
{
	char lower[32];
	if (strncmp(name, "SCMP_ARCH_", 10) != 0)
		return false;
	const char *p = name + 10;
	size_t i;
	for (i = 0; p[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)p[i]);
	lower[i] = '\0';
	return !p[i] && seccomp_arch_resolve_name(lower) != 0;
}

static int parse_args(yajl_val sc, Grpc__LinuxSyscall *s, struct kata_error *err)
{
	yajl_val args = json_member(sc, "args");
	int rc = json_expect_array(args, "linux.seccomp.syscalls[]", "args", err);
	if (rc < 0 || !args || !args->u.array.len)
		return rc;
	s->args = calloc(args->u.array.len, sizeof(*s->args));
	if (!s->args)
		return nomem(err);
	const char *p = "linux.seccomp.syscalls[].args[]";
	for (size_t i = 0; i < args->u.array.len; i++) {
		yajl_val a = args->u.array.values[i];
		if ((rc = json_expect_object(a, "linux.seccomp.syscalls[]", "args[]", err)) < 0)
			return rc;
		Grpc__LinuxSeccompArg *arg =
		    OCI_NEW(Grpc__LinuxSeccompArg, GRPC__LINUX_SECCOMP_ARG__INIT);
		if (!arg)
			return nomem(err);
		s->args[s->n_args++] = arg;
		if ((rc = json_get_u64(a, p, "index", true, &arg->index, err)) < 0 ||
		    (rc = json_get_u64(a, p, "value", true, &arg->value, err)) < 0 ||
		    (rc = json_get_u64(a, p, "valueTwo", false, &arg->valuetwo, err)) < 0 ||
		    (rc = json_get_string(a, p, "op", true, &arg->op, err)) < 0)
			return rc;
		if (arg->index > 5)
			return kata_fail(err, EINVAL, "config.json: %s.index: %llu is not 0-5", p,
					 (unsigned long long)arg->index);
		if (!IN_LIST(arg->op, operators))
			return kata_fail(err, EINVAL,
					 "config.json: %s.op: unknown seccomp operator \"%s\"", p,
					 arg->op);
	}
	return 0;
}

static int parse_syscalls(yajl_val sec, Grpc__LinuxSeccomp *s, struct kata_error *err)
{
	yajl_val scs = json_member(sec, "syscalls");
	int rc = json_expect_array(scs, "linux.seccomp", "syscalls", err);
	if (rc < 0 || !scs || !scs->u.array.len)
		return rc;
	s->syscalls = calloc(scs->u.array.len, sizeof(*s->syscalls));
	if (!s->syscalls)
		return nomem(err);
	const char *p = "linux.seccomp.syscalls[]";
	for (size_t i = 0; i < scs->u.array.len; i++) {
		yajl_val e = scs->u.array.values[i];
		if ((rc = json_expect_object(e, "linux.seccomp", "syscalls[]", err)) < 0)
			return rc;
		Grpc__LinuxSyscall *sc = OCI_NEW(Grpc__LinuxSyscall, GRPC__LINUX_SYSCALL__INIT);
		if (!sc)
			return nomem(err);
		s->syscalls[s->n_syscalls++] = sc;
		if ((rc = json_get_strings(e, p, "names", &sc->names, &sc->n_names, err)) < 0 ||
		    (rc = json_get_string(e, p, "action", true, &sc->action, err)) < 0 ||
		    (rc = json_get_u32(e, p, "errnoRet", false, &sc->errnoret, err)) < 0)
			return rc;
		if (rc > 0)
			sc->errno_ret_case = GRPC__LINUX_SYSCALL__ERRNO_RET_ERRNORET;
		if (sc->n_names == 0)
			return kata_fail(err, EINVAL, "config.json: %s.names must not be empty", p);
		if ((rc = check_action("linux.seccomp.syscalls[].action", sc->action, err)) < 0 ||
		    (rc = parse_args(e, sc, err)) < 0)
			return rc;
	}
	return 0;
}

int oci_parse_seccomp(yajl_val lx, Grpc__LinuxSeccomp **ret, struct kata_error *err)
{
	yajl_val sec = json_member(lx, "seccomp");
	int rc = json_expect_object(sec, "linux", "seccomp", err);
	if (rc < 0 || !sec)
		return rc;
	Grpc__LinuxSeccomp *s = OCI_NEW(Grpc__LinuxSeccomp, GRPC__LINUX_SECCOMP__INIT);
	if (!s)
		return nomem(err);
	*ret = s;
	const char *p = "linux.seccomp";
	if ((rc = json_get_string(sec, p, "defaultAction", true, &s->defaultaction, err)) < 0 ||
	    (rc = check_action("linux.seccomp.defaultAction", s->defaultaction, err)) < 0 ||
	    (rc = json_get_u32(sec, p, "defaultErrnoRet", false, &s->default_errno_ret, err)) < 0)
		return rc;
	if (rc > 0)
		s->default_errno_ret_case =
		    GRPC__LINUX_SECCOMP__DEFAULT_ERRNO_RET_DEFAULT_ERRNO_RET;
	if (json_member(sec, "listenerPath") || json_member(sec, "listenerMetadata"))
		return kata_fail(err, ENOTSUP,
				 "config.json: linux.seccomp.listenerPath is not supported yet");
	if ((rc = json_get_strings(sec, p, "architectures", &s->architectures, &s->n_architectures,
				   err)) < 0 ||
	    (rc = json_get_strings(sec, p, "flags", &s->flags, &s->n_flags, err)) < 0)
		return rc;
	for (size_t i = 0; i < s->n_architectures; i++)
		if (!arch_known(s->architectures[i]))
			return kata_fail(
			    err, EINVAL,
			    "config.json: linux.seccomp.architectures: unknown architecture \"%s\"",
			    s->architectures[i]);
	for (size_t i = 0; i < s->n_flags; i++)
		if (!IN_LIST(s->flags[i], flags))
			return kata_fail(
			    err, ENOTSUP,
			    "config.json: linux.seccomp.flags: \"%s\" is not supported yet",
			    s->flags[i]);
	return parse_syscalls(sec, s, err);
}
