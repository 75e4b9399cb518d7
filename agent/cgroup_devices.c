/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources.devices on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the
 * rules and attached to the container's cgroup (v2 has no devices.allow file). Semantics follow
 * runc: the spec's rules, then the default devices and linux.devices are allowed; the last
 * matching rule decides; a request must ask for a subset of a rule's access to match it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "cgroup.h"
#include "cleanup.h"

enum { R0, R1, R2, R3, R4, R5, R6 };

struct rule {
	int type;	      /* 0 any, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_DEV_BLOCK */
	int64_t major, minor; /* -1 any */
	unsigned access;      /* BPF_DEVCG_ACC_* */
	bool allow;
};

/* runc's AllowedDevices: what every container may use whatever its rules say. */
static const struct rule default_rules[] = {
    {BPF_DEVCG_DEV_CHAR, -1, -1, BPF_DEVCG_ACC_MKNOD, true},
    {BPF_DEVCG_DEV_BLOCK, -1, -1, BPF_DEVCG_ACC_MKNOD, true},
    {BPF_DEVCG_DEV_CHAR, 1, 3, 7, true},    /* null */
    {BPF_DEVCG_DEV_CHAR, 1, 8, 7, true},    /* random */
    {BPF_DEVCG_DEV_CHAR, 1, 7, 7, true},    /* full */
    {BPF_DEVCG_DEV_CHAR, 5, 0, 7, true},    /* tty */
    {BPF_DEVCG_DEV_CHAR, 1, 5, 7, true},    /* zero */
    {BPF_DEVCG_DEV_CHAR, 1, 9, 7, true},    /* urandom */
    {BPF_DEVCG_DEV_CHAR, 136, -1, 7, true}, /* pts */
    {BPF_DEVCG_DEV_CHAR, 5, 2, 7, true},    /* ptmx */
    {BPF_DEVCG_DEV_CHAR, 5, 1, 7, true},    /* console */
};

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static int emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *bigger = realloc(p->insns, cap * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		p->insns = bigger;
		p->cap = cap;
	}
	p->insns[p->n++] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return 0;
}

/* One rule: each test jumps past the block when it does not match; the block returns.
 * Sets *ret_final when the rule matches everything: what would follow is unreachable, which
 * the verifier refuses. */
static int emit_rule(struct prog *p, const struct rule *r, bool *ret_final)
{
	size_t start = p->n;
	*ret_final = !r->type && (r->access & 7) == 7 && r->major < 0 && r->minor < 0;
	int rc = 0;
	if (r->type)
		rc |= emit(p, BPF_JMP | BPF_JNE | BPF_K, R3, 0, 0, r->type);
	if ((r->access & 7) != 7) {
		rc |= emit(p, BPF_ALU | BPF_MOV | BPF_X, R1, R4, 0, 0);
		rc |= emit(p, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)r->access);
		rc |= emit(p, BPF_JMP | BPF_JNE | BPF_X, R1, R4, 0, 0);
	}
	if (r->major >= 0)
		rc |= emit(p, BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)r->major);
	if (r->minor >= 0)
		rc |= emit(p, BPF_JMP | BPF_JNE | BPF_K, R6, 0, 0, (int32_t)r->minor);
	rc |= emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
	rc |= emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (rc)
		return -ENOMEM;
	/* Every conditional jump lands just after this block's exit. */
	for (size_t i = start; i < p->n; i++)
		if (BPF_CLASS(p->insns[i].code) == BPF_JMP && BPF_OP(p->insns[i].code) == BPF_JNE)
			p->insns[i].off = (int16_t)(p->n - i - 1);
	return 0;
}

static int rule_from_spec(const Grpc__LinuxDeviceCgroup *d, struct rule *r, struct kata_error *err)
{
	const char *t = d->type ? d->type : "";
	r->type = !*t || !strcmp(t, "a") ? 0
		  : !strcmp(t, "c")	 ? BPF_DEVCG_DEV_CHAR
		  : !strcmp(t, "b")	 ? BPF_DEVCG_DEV_BLOCK
					 : -1;
	if (r->type < 0)
		return kata_fail(err, EINVAL, "linux.resources.devices: type \"%s\"", t);
	r->major = d->major;
	r->minor = d->minor;
	r->allow = d->allow;
	const char *a = d->access && *d->access ? d->access : "rwm";
	r->access = 0;
	for (; *a; a++)
		r->access |= *a == 'r'	 ? BPF_DEVCG_ACC_READ
			     : *a == 'w' ? BPF_DEVCG_ACC_WRITE
			     : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
					 : 8;
	if (r->access & 8)
		return kata_fail(err, EINVAL, "linux.resources.devices: access \"%s\"", d->access);
	return 0;
}

static int load(const struct prog *p, char *log, size_t log_size)
{
	union bpf_attr load = {0};
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)p->insns;
	load.insn_cnt = (uint32_t)p->n;
	load.license = (uint64_t)(uintptr_t) "Apache-2.0";
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = (uint32_t)log_size;
	load.log_level = log ? 1 : 0;
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
}

static int load_and_attach(const char *rel, const struct prog *p, struct kata_error *err)
{
	cleanup_close int prog = load(p, NULL, 0);
	if (prog < 0) {
		int e = errno;
		/* Again with the verifier's log, whose last line gives the reason. */
		size_t size = 1 << 20;
		cleanup_free char *log = calloc(1, size);
		if (log && load(p, log, size - 1) < 0) {
			size_t len = strlen(log);
			while (len && log[len - 1] == '\n')
				log[--len] = '\0';
			char *last = strrchr(log, '\n');
			return kata_fail_errno(err, e,
					       "linux.resources.devices: load the BPF filter (%s)",
					       last ? last + 1 : log);
		}
		return kata_fail_errno(err, e, "linux.resources.devices: load the BPF filter");
	}
	cleanup_close int cg = cgroup_open(rel);
	if (cg < 0)
		return kata_fail_errno(err, -cg, "open cgroup %s", rel);
	union bpf_attr at = {0};
	at.target_fd = (uint32_t)cg;
	at.attach_bpf_fd = (uint32_t)prog;
	at.attach_type = BPF_CGROUP_DEVICE;
	/* Without BPF_F_ALLOW_MULTI a second attach (UpdateContainer) replaces the first. */
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof(at)) < 0)
		return kata_fail_errno(err, errno, "linux.resources.devices: attach to cgroup %s",
				       rel);
	return 0;
}

int cgroup_apply_devices(const char *rel, const Grpc__LinuxResources *r, const Grpc__Linux *lx,
			 struct kata_error *err)
{
	if (!r || !r->n_devices)
		return 0;
	struct prog p = {0};
	int rc = 0;
	/* ctx: access_type (access << 16 | type), major, minor. */
	rc |= emit(&p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0);
	rc |= emit(&p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	rc |= emit(&p, BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, 0xffff);
	rc |= emit(&p, BPF_ALU | BPF_MOV | BPF_X, R4, R2, 0, 0);
	rc |= emit(&p, BPF_ALU | BPF_RSH | BPF_K, R4, 0, 0, 16);
	rc |= emit(&p, BPF_LDX | BPF_MEM | BPF_W, R5, R1, 4, 0);
	rc |= emit(&p, BPF_LDX | BPF_MEM | BPF_W, R6, R1, 8, 0);
	if (rc) {
		free(p.insns);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	/* Last match wins: emit from the last rule to the first. */
	size_t n_spec_dev = lx ? lx->n_devices : 0;
	bool final = false;
	for (size_t i = n_spec_dev; i-- > 0 && rc == 0;) {
		const Grpc__LinuxDevice *d = lx->devices[i];
		struct rule dr = {.type = d->type && !strcmp(d->type, "b") ? BPF_DEVCG_DEV_BLOCK
									   : BPF_DEVCG_DEV_CHAR,
				  .major = d->major,
				  .minor = d->minor,
				  .access = 7,
				  .allow = true};
		if (d->type && strcmp(d->type, "p") != 0)
			rc = emit_rule(&p, &dr, &final);
	}
	for (size_t i = sizeof(default_rules) / sizeof(*default_rules); i-- > 0 && rc == 0;)
		rc = emit_rule(&p, &default_rules[i], &final);
	for (size_t i = r->n_devices; i-- > 0 && rc == 0 && !final;) {
		struct rule sr;
		if ((rc = rule_from_spec(r->devices[i], &sr, err)) < 0) {
			free(p.insns);
			return rc;
		}
		rc = emit_rule(&p, &sr, &final);
	}
	/* No rule matched: cgroup v1's initial state, everything allowed. */
	if (rc == 0 && !final)
		rc = emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1) |
		     emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (rc) {
		free(p.insns);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	rc = load_and_attach(rel, &p, err);
	free(p.insns);
	return rc;
}
