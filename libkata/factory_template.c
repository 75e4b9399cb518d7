/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM template (factory.enable_template, Kata's VM templating): a VM booted once, up to
 * its agent, then paused and saved as <factory dir>/template/{memory,state}. New VMs map
 * `memory` private and load `state` instead of booting (hypervisor/template.c): they start
 * in a fraction of a boot and share the template's pages until they write them.
 */
#include "factory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "factory_report.h"
#include "fsutil.h"
#include "hostcache.h"

#define TEMPLATE_DIR "template"

void factory_template_paths(struct factory_template *t)
{
	snprintf(t->dir, sizeof(t->dir), "%s/" TEMPLATE_DIR, factory_dir());
	snprintf(t->memory, sizeof(t->memory), "%s/memory", t->dir);
	snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
}

/* A rebuilt kernel, initrd (the agent) or QEMU makes the template stale: their identity is
 * part of its fingerprint. */
char *factory_template_fingerprint(const struct runtime_config *cfg)
{
	cleanup_free char *base = factory_fingerprint(cfg);
	if (!base)
		return NULL;
	char ids[3][PATH_MAX + 64];
	hostcache_file_id(cfg->qemu, ids[0], sizeof(ids[0]));
	hostcache_file_id(cfg->kernel, ids[1], sizeof(ids[1]));
	hostcache_file_id(cfg->initrd, ids[2], sizeof(ids[2]));
	char *out = NULL;
	if (asprintf(&out, "%sfiles=%s %s %s\n", base, ids[0], ids[1], ids[2]) < 0)
		return NULL;
	return out;
}

int factory_template_find(const struct runtime_config *cfg, struct factory_template *ret,
			  struct kata_error *err)
{
	factory_template_paths(ret);
	cleanup_free char *want = factory_template_fingerprint(cfg);
	if (!want)
		return kata_fail(err, ENOMEM, "out of memory");
	char fp[PATH_MAX + 16];
	snprintf(fp, sizeof(fp), "%s/fingerprint", ret->dir);
	if (!file_equals_at(AT_FDCWD, fp, want) || access(ret->memory, R_OK) < 0 ||
	    access(ret->state, R_OK) < 0)
		return 0;
	return 1;
}

/* In a child whose cwd is the new template's directory: boots the template VM, checks the
 * agent, saves the VM, stops it. QEMU is this child's child and dies with it. */
static int build_here(const struct runtime_config *rc, struct kata_error *err)
{
	struct factory_vm_opts o = {
	    .name = "kata-template", .mem_file = "memory", .mem_file_shared = true};
	struct vm *vm = NULL;
	int r = factory_start_vm(rc, &o, &vm, err);
	if (r < 0)
		return r;
	r = vm_save_template(vm, "state", err);
	vm_stop(vm, 1000);
	vm_free(vm);
	return r;
}

static void report(int fd, int status, const char *msg)
{
	struct factory_report rep = {.status = status};
	snprintf(rep.msg, sizeof(rep.msg), "%s", msg ? msg : "");
	ssize_t ignored = write(fd, &rep, sizeof(rep));
	(void)ignored;
}

/* Builds a template in dir (which exists) by a child process; its error comes back here. */
static int build(const struct runtime_config *cfg, const char *dir, const char *fingerprint,
		 struct kata_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return kata_fail_errno(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return kata_fail_errno(err, e, "fork");
	}
	if (child == 0) {
		close(p[0]);
		struct kata_error e = {0};
		int r = chdir(dir) < 0 ? kata_fail_errno(&e, errno, "chdir %s", dir)
				       : build_here(cfg, &e);
		if (r >= 0 &&
		    (r = write_file_atomic("fingerprint", fingerprint, strlen(fingerprint))) < 0)
			kata_fail_errno(&e, -r, "writing %s/fingerprint", dir);
		report(p[1], r < 0 ? (e.status ? e.status : EIO) : 0, e.msg);
		_exit(r < 0 ? 1 : 0);
	}
	close(p[1]);
	struct factory_report rep = {0};
	ssize_t got = read(p[0], &rep, sizeof(rep));
	close(p[0]);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(rep))
		return kata_fail(err, EIO, "saving the VM template: the builder exited");
	if (rep.status) {
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		return kata_fail(err, rep.status, "saving the VM template: %s", rep.msg);
	}
	return 0;
}

int factory_template_save(const struct runtime_config *cfg, struct kata_error *err)
{
	const char *why = factory_unsupported(cfg);
	if (why)
		return kata_fail(err, ENOTSUP, "the VM template: %s", why);
	cleanup_close int lock = factory_lock(err);
	if (lock < 0)
		return lock;
	struct factory_template t;
	int r = factory_template_find(cfg, &t, err);
	if (r != 0)
		return r < 0 ? r : 0;
	cleanup_free char *fp = factory_template_fingerprint(cfg);
	if (!fp)
		return kata_fail(err, ENOMEM, "out of memory");
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/template.new-XXXXXX", factory_dir());
	if (!mkdtemp(tmp))
		return kata_fail_errno(err, errno, "creating %s", tmp);
	if ((r = build(cfg, tmp, fp, err)) < 0) {
		rm_rf(tmp);
		return r;
	}
	/* Clones of an old template keep its files through their mappings. */
	rm_rf(t.dir);
	if (rename(tmp, t.dir) < 0) {
		r = kata_fail_errno(err, errno, "renaming %s to %s", tmp, t.dir);
		rm_rf(tmp);
		return r;
	}
	return 1;
}

void factory_template_remove(void)
{
	struct factory_template t;
	factory_template_paths(&t);
	rm_rf(t.dir);
}

int factory_template_size(const struct factory_template *t, unsigned long long *ret_bytes)
{
	struct stat st;
	if (stat(t->memory, &st) < 0)
		return -errno;
	/* The file is sparse: what the template touched is what it costs. */
	*ret_bytes = (unsigned long long)st.st_blocks * 512;
	return 0;
}
