/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp_filter.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <seccomp.h>

#include "log.h"

/* Returns 0 with the libseccomp action for an OCI action name, or -EINVAL. */
static int parse_action(const char *name, bool has_errno, uint32_t errno_ret, uint32_t *ret)
{
	uint32_t e = has_errno ? errno_ret : EPERM;
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*ret = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*ret = SCMP_ACT_ERRNO(e);
	else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*ret = SCMP_ACT_KILL_THREAD;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*ret = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		*ret = SCMP_ACT_TRACE(e);
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*ret = SCMP_ACT_LOG;
	else
		return -EINVAL;
	return 0;
}

static int parse_op(const char *name, enum scmp_compare *ret)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
	    {"SCMP_CMP_NE", SCMP_CMP_NE},
	    {"SCMP_CMP_LT", SCMP_CMP_LT},
	    {"SCMP_CMP_LE", SCMP_CMP_LE},
	    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	    {"SCMP_CMP_GE", SCMP_CMP_GE},
	    {"SCMP_CMP_GT", SCMP_CMP_GT},
	    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0) {
			*ret = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64". */
static uint32_t parse_arch(const char *name)
{
	char lower[32];
	const char *p = strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;
	size_t i;
	for (i = 0; p[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)p[i]);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower);
}

static int set_flags(scmp_filter_ctx ctx, const Grpc__LinuxSeccomp *s, struct kata_error *err)
{
	for (size_t i = 0; i < s->n_flags; i++) {
		const char *f = s->flags[i];
		int rc;
		if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
			rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		else
			return kata_fail(err, EINVAL, "seccomp flag \"%s\" is not supported", f);
		if (rc < 0)
			return kata_fail_errno(err, -rc, "seccomp flag \"%s\"", f);
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const Grpc__LinuxSyscall *sc, uint32_t action,
		    struct kata_error *err)
{
	struct scmp_arg_cmp cmps[6];
	bool distinct = sc->n_args <= 6;
	unsigned seen = 0;
	for (size_t i = 0; i < sc->n_args && distinct; i++) {
		const Grpc__LinuxSeccompArg *a = sc->args[i];
		if (a->index > 5)
			return kata_fail(err, EINVAL, "seccomp argument index %llu out of range",
					 (unsigned long long)a->index);
		if (seen & (1u << a->index))
			distinct = false;
		seen |= 1u << a->index;
	}
	for (size_t i = 0; i < sc->n_args; i++) {
		enum scmp_compare op;
		if (parse_op(sc->args[i]->op, &op) < 0)
			return kata_fail(err, EINVAL, "unknown seccomp operator \"%s\"",
					 sc->args[i]->op);
	}

	for (size_t n = 0; n < sc->n_names; n++) {
		int nr = seccomp_syscall_resolve_name(sc->names[n]);
		if (nr == __NR_SCMP_ERROR) {
			/* As runc: profiles list syscalls of newer kernels or other arches. */
			log_debug("seccomp: unknown syscall %s skipped", sc->names[n]);
			continue;
		}
		int rc = 0;
		if (sc->n_args == 0) {
			rc = seccomp_rule_add(ctx, action, nr, 0);
		} else if (distinct) {
			for (size_t i = 0; i < sc->n_args; i++)
				cmps[i] = (struct scmp_arg_cmp){(unsigned)sc->args[i]->index, 0,
								sc->args[i]->value,
								sc->args[i]->valuetwo};
			for (size_t i = 0; i < sc->n_args; i++)
				parse_op(sc->args[i]->op, &cmps[i].op);
			rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)sc->n_args, cmps);
		} else {
			/* Conditions on the same argument are alternatives: one rule each. */
			for (size_t i = 0; i < sc->n_args && rc >= 0; i++) {
				struct scmp_arg_cmp c = {(unsigned)sc->args[i]->index, 0,
							 sc->args[i]->value, sc->args[i]->valuetwo};
				parse_op(sc->args[i]->op, &c.op);
				rc = seccomp_rule_add_array(ctx, action, nr, 1, &c);
			}
		}
		if (rc < 0)
			return kata_fail_errno(err, -rc, "seccomp rule for %s", sc->names[n]);
	}
	return 0;
}

static int build_and_load(scmp_filter_ctx ctx, const Grpc__LinuxSeccomp *s, uint32_t def,
			  struct kata_error *err)
{
	for (size_t i = 0; i < s->n_architectures; i++) {
		uint32_t arch = parse_arch(s->architectures[i]);
		if (arch == 0)
			return kata_fail(err, EINVAL, "unknown seccomp architecture \"%s\"",
					 s->architectures[i]);
		int rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return kata_fail_errno(err, -rc, "seccomp architecture \"%s\"",
					       s->architectures[i]);
	}
	int rc = set_flags(ctx, s, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const Grpc__LinuxSyscall *sc = s->syscalls[i];
		uint32_t action;
		bool has_errno = sc->errno_ret_case == GRPC__LINUX_SYSCALL__ERRNO_RET_ERRNORET;
		if (parse_action(sc->action, has_errno, sc->errnoret, &action) < 0)
			return kata_fail(err, EINVAL, "unknown seccomp action \"%s\"", sc->action);
		if (action == def)
			continue; /* libseccomp refuses rules that repeat the default action */
		rc = add_rule(ctx, sc, action, err);
		if (rc < 0)
			return rc;
	}
	rc = seccomp_load(ctx);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "load the seccomp filter");
	return 0;
}

int seccomp_apply(const Grpc__LinuxSeccomp *s, struct kata_error *err)
{
	uint32_t def;
	bool has_errno =
	    s->default_errno_ret_case == GRPC__LINUX_SECCOMP__DEFAULT_ERRNO_RET_DEFAULT_ERRNO_RET;
	if (parse_action(s->defaultaction, has_errno, s->default_errno_ret, &def) < 0)
		return kata_fail(err, EINVAL, "unknown seccomp default action \"%s\"",
				 s->defaultaction);
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return kata_fail(err, EINVAL, "seccomp_init failed");
	int rc = build_and_load(ctx, s, def, err);
	seccomp_release(ctx);
	return rc;
}
