/* SPDX-License-Identifier: Apache-2.0 */
/* The QEMU driver: starting QEMU as our child, talking QMP to it, and stopping it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_proc.h"
#include "cleanup.h"
#include "error.h"
#include "qemu_priv.h"
#include "qmp.h"
#include "sockutil.h"
#include "virtiofsd.h"

#define START_TIMEOUT_MS  30000 /* QEMU up and answering QMP; generous for many parallel starts */
#define QUIT_TIMEOUT_MS	  1000	/* for the reply to "quit"; the exit itself gets the caller's */
#define FREE_TIMEOUT_MS	  2000
#define VIRTIOFSD_EXIT_MS 1000 /* for virtiofsd to notice QEMU is gone and exit */

struct vm {
	pid_t pid;
	bool exited;  /* reaped (by us or, per vm_mark_exited, by the caller) */
	bool stopped; /* vm_stop finished */
	int wait_status;
	struct qmp *qmp;
	enum vm_accel accel;
	struct channel_config channel; /* vhost_fd is -1: the caller owns it */
	char console_path[PATH_MAX];
	char log_path[PATH_MAX];
	pid_t virtiofsd_pid; /* -1: none (9p), or stopped */
	char virtiofsd_log[PATH_MAX];
};

#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* The last two non-empty lines of QEMU's own log, joined by "; ". */
static void log_tail(const char *path, char *buf, size_t size)
{
	char text[2048];
	buf[0] = '\0';
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end > (off_t)sizeof(text) - 1 ? end - (off_t)sizeof(text) + 1 : 0;
	ssize_t n = pread(fd, text, sizeof(text) - 1, start);
	if (n <= 0)
		return;
	text[n] = '\0';
	const char *lines[2] = {NULL, NULL};
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		if (!*l)
			continue;
		lines[0] = lines[1];
		lines[1] = l;
	}
	if (lines[1])
		snprintf(buf, size, "%s%s%s", lines[0] ? lines[0] : "", lines[0] ? "; " : "",
			 lines[1]);
}

/* Fails with how QEMU ended and what it said; it has been reaped with `status`. */
static int fail_qemu_exited(struct kata_error *err, const char *log_path, int status,
			    const char *context)
{
	char how[128], tail[700];
	qemu_proc_status_str(status, how, sizeof(how));
	log_tail(log_path, tail, sizeof(tail));
	return kata_fail(err, EIO, "%sqemu %s%s%s", context, how, tail[0] ? ": " : "", tail);
}

/* When virtiofsd died, that is the reason QEMU failed: say what virtiofsd said. */
static int fail_if_virtiofsd_exited(struct vm *vm, int r, struct kata_error *err)
{
	int status = 0;
	if (vm->virtiofsd_pid <= 0 || !qemu_proc_exited(vm->virtiofsd_pid, &status))
		return r;
	char how[128], tail[700];
	qemu_proc_status_str(status, how, sizeof(how));
	log_tail(vm->virtiofsd_log, tail, sizeof(tail));
	return kata_fail(err, EIO, "virtio-fs: virtiofsd %s%s%s", how, tail[0] ? ": " : "", tail);
}

static int check_readable(const char *what, const char *path, struct kata_error *err)
{
	if (!path)
		return kata_fail(err, EINVAL, "starting the VM: no %s configured", what);
	if (access(path, R_OK) < 0)
		return kata_fail_errno(err, errno, "starting the VM: %s %s", what, path);
	return 0;
}

/* Waits for QEMU's QMP socket and completes the handshake, noticing if QEMU exits first. */
static int wait_for_qmp(struct vm *vm, const char *qmp_path, struct kata_error *err)
{
	int64_t deadline = mono_ms() + START_TIMEOUT_MS;
	int delay = 1;
	for (;;) {
		int status = 0;
		if (qemu_proc_exited(vm->pid, &status)) {
			qemu_proc_wait(vm->pid, -1, &status);
			vm->exited = true;
			vm->wait_status = status;
			return fail_qemu_exited(err, vm->log_path, status, "");
		}
		if (access(qmp_path, F_OK) == 0) {
			int r = qmp_connect(qmp_path, deadline_left(deadline), &vm->qmp, err);
			if (r == 0)
				return 0;
			if (qemu_proc_wait(vm->pid, 200, &status) == 0) {
				vm->exited = true;
				vm->wait_status = status;
				return fail_qemu_exited(err, vm->log_path, status, "");
			}
			return kata_error_prefix(err, r, "starting the VM");
		}
		if (deadline_left(deadline) == 0)
			return kata_fail(err, ETIMEDOUT,
					 "starting the VM: QEMU did not open %s within %d ms",
					 qmp_path, START_TIMEOUT_MS);
		sleep_until_at_most(deadline, delay);
		if (delay < 10)
			delay *= 2;
	}
}

static void debug_log_argv(const struct strv *argv)
{
	if (!getenv("KATA_DEBUG"))
		return;
	cleanup_free char *line = strv_join(argv, " ");
	if (line)
		fprintf(stderr, "kata: starting VM: %s\n", line);
}

static int vm_spawn(struct vm *vm, const struct vm_config *cfg, const char *qmp_path,
		    const char *vfs_path, struct kata_error *err)
{
	struct qemu_launch l = {
	    .accel = vm->accel,
	    .qmp_path = qmp_path,
	    .console_path = vm->console_path,
	    .virtiofs_socket = vfs_path,
	};
	int r = host_tsc_khz(cfg->cache_dir, &l.tsc_khz, err);
	if (r < 0)
		return kata_error_prefix(err, r, "starting the VM");

	/* QEMU gets its own copy of the vhost fd, numbered above stdio. */
	struct channel_config chan = cfg->channel;
	cleanup_close int vhost = -1;
	if (chan.kind == CHANNEL_VSOCK) {
		vhost = chan.vhost_fd >= 0 ? fcntl(chan.vhost_fd, F_DUPFD_CLOEXEC, 3) : -1;
		if (vhost < 0)
			return kata_fail_errno(err, chan.vhost_fd >= 0 ? errno : EBADF,
					       "starting the VM: vsock channel has no vhost fd");
		chan.vhost_fd = vhost;
	}
	l.channel = &chan;

	cleanup_strv struct strv argv = {0};
	r = qemu_build_argv(cfg, &l, &argv, err);
	if (r < 0)
		return r;
	debug_log_argv(&argv);

	if (unlink(qmp_path) < 0 && errno != ENOENT)
		return kata_fail_errno(err, errno, "removing stale %s", qmp_path);
	cleanup_close int log = open(vm->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log < 0)
		return kata_fail_errno(err, errno, "creating %s", vm->log_path);

	/* QEMU inherits the vhost fd and the taps under the numbers its command line names. */
	int keep[1 + VM_MAX_NICS];
	size_t n_keep = 0;
	if (vhost >= 0)
		keep[n_keep++] = vhost;
	if (cfg->n_nics > VM_MAX_NICS)
		return kata_fail(err, E2BIG, "starting the VM: more than %d network interfaces",
				 VM_MAX_NICS);
	for (size_t i = 0; i < cfg->n_nics; i++)
		keep[n_keep++] = cfg->nics[i].tap_fd;
	struct qemu_proc_spec spec = {
	    .argv = argv.v,
	    .stdout_fd = log,
	    .keep_fds = keep,
	    .n_keep = n_keep,
	    .new_pgrp = true,
	};
	r = qemu_proc_spawn(&spec, &vm->pid, err);
	if (r < 0)
		return kata_error_prefix(err, r, "starting the VM");
	return 0;
}

int vm_start(const struct vm_config *cfg, struct vm **ret_vm, struct kata_error *err)
{
	int r;
	if ((r = check_readable("kernel", cfg->kernel, err)) < 0 ||
	    (r = check_readable("initrd", cfg->initrd, err)) < 0)
		return r;
	if (!cfg->run_dir)
		return kata_fail(err, EINVAL, "starting the VM: no run directory configured");
	if (mkdir(cfg->run_dir, 0700) < 0 && errno != EEXIST)
		return kata_fail_errno(err, errno, "creating %s", cfg->run_dir);

	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return kata_fail(err, ENOMEM, "starting the VM: out of memory");
	vm->pid = -1;
	vm->virtiofsd_pid = -1;
	vm->channel = cfg->channel;
	vm->channel.vhost_fd = -1;

	char qmp_path[SUN_PATH_MAX];
	if (snprintf(qmp_path, sizeof(qmp_path), "%s/qmp.sock", cfg->run_dir) >=
	    (int)sizeof(qmp_path)) {
		r = kata_fail(err, ENAMETOOLONG, "run directory %s is too long for a socket path",
			      cfg->run_dir);
		goto fail;
	}
	snprintf(vm->console_path, sizeof(vm->console_path), "%s/console.log", cfg->run_dir);
	snprintf(vm->log_path, sizeof(vm->log_path), "%s/qemu.log", cfg->run_dir);
	snprintf(vm->virtiofsd_log, sizeof(vm->virtiofsd_log), "%s/virtiofsd.log", cfg->run_dir);
	char vfs_path[SUN_PATH_MAX] = "";
	bool virtio_fs = cfg->shared_dir && cfg->shared_fs == VM_SHARED_FS_VIRTIO_FS;
	if (virtio_fs && snprintf(vfs_path, sizeof(vfs_path), "%s/%s", cfg->run_dir,
				  VM_VIRTIOFS_SOCKET) >= (int)sizeof(vfs_path)) {
		r = kata_fail(err, ENAMETOOLONG, "run directory %s is too long for a socket path",
			      cfg->run_dir);
		goto fail;
	}

	vm->accel = cfg->accel;
	if (vm->accel == VM_ACCEL_AUTO) {
		r = vm_probe_accel(cfg->qemu_path, cfg->kernel, cfg->cache_dir, &vm->accel, NULL,
				   err);
		if (r < 0)
			goto fail;
	}

	if (virtio_fs) {
		r = virtiofsd_start(cfg->virtiofsd_path ? cfg->virtiofsd_path
							: VM_VIRTIOFSD_DEFAULT,
				    cfg->shared_dir, cfg->virtiofs_cache, vfs_path,
				    vm->virtiofsd_log, &vm->virtiofsd_pid, err);
		if (r < 0)
			goto fail;
	}
	r = vm_spawn(vm, cfg, qmp_path, virtio_fs ? vfs_path : NULL, err);
	if (r < 0)
		goto fail;
	r = wait_for_qmp(vm, qmp_path, err);
	if (r < 0) {
		r = fail_if_virtiofsd_exited(vm, r, err);
		goto fail;
	}
	if (cfg->incoming_state &&
	    (r = qemu_template_restore(vm->qmp, cfg->incoming_state, err)) < 0) {
		int status = 0;
		if (qemu_proc_wait(vm->pid, 200, &status) == 0) {
			vm->exited = true;
			vm->wait_status = status;
			r = fail_qemu_exited(err, vm->log_path, status, "restoring the template: ");
		}
		goto fail;
	}
	*ret_vm = vm;
	return 0;

fail:
	/* Nothing to ask politely: QEMU never became usable. */
	if (vm->pid > 0 && !vm->exited) {
		kill(vm->pid, SIGKILL);
		qemu_proc_wait(vm->pid, -1, NULL);
		vm->exited = true;
	}
	vm_free(vm);
	return r;
}

int vm_save_template(struct vm *vm, const char *state_path, struct kata_error *err)
{
	if (!vm->qmp)
		return kata_fail(err, EINVAL, "saving the template: no QMP connection");
	return qemu_template_save(vm->qmp, state_path, err);
}

pid_t vm_pid(const struct vm *vm)
{
	return vm->pid;
}

pid_t vm_virtiofsd_pid(const struct vm *vm)
{
	return vm->virtiofsd_pid;
}

void vm_mark_virtiofsd_exited(struct vm *vm)
{
	vm->virtiofsd_pid = -1;
}

enum vm_accel vm_accel_used(const struct vm *vm)
{
	return vm->accel;
}

const char *vm_console_path(const struct vm *vm)
{
	return vm->console_path;
}

const char *vm_qemu_log_path(const struct vm *vm)
{
	return vm->log_path;
}

struct qmp *vm_qmp(struct vm *vm)
{
	return vm->qmp;
}

int vm_exit_status(const struct vm *vm)
{
	return vm->exited ? vm->wait_status : -1;
}

int vm_connect_agent(struct vm *vm, int timeout_ms, struct kata_error *err)
{
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		int status = 0;
		if (vm->exited || qemu_proc_exited(vm->pid, &status)) {
			if (vm->exited)
				status = vm->wait_status;
			return fail_qemu_exited(err, vm->log_path, status,
						"connecting to the agent: the VM is gone: ");
		}
		/* Short attempts, so that a VM that dies while booting is noticed quickly. */
		int left = deadline_left(deadline);
		int fd = channel_connect(&vm->channel, left < 250 ? left : 250, err);
		if (fd != -ETIMEDOUT)
			return fd;
		if (deadline_left(deadline) == 0)
			return kata_fail(err, ETIMEDOUT,
					 "connecting to the agent over %s: no answer within %d ms",
					 channel_kind_name(vm->channel.kind), timeout_ms);
	}
}

void vm_mark_exited(struct vm *vm, int wait_status)
{
	vm->exited = true;
	vm->wait_status = wait_status;
}

int vm_stop(struct vm *vm, int timeout_ms)
{
	if (!vm || vm->stopped)
		return 0;
	if (!vm->exited && vm->pid > 0) {
		int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
		int status = 0;
		if (vm->qmp && !qemu_proc_exited(vm->pid, NULL)) {
			int left = deadline_left(deadline);
			qmp_execute(vm->qmp, "quit", NULL, NULL,
				    left < QUIT_TIMEOUT_MS ? left : QUIT_TIMEOUT_MS, NULL);
		}
		int r = qemu_proc_wait(vm->pid, deadline_left(deadline), &status);
		if (r == -ETIMEDOUT) {
			kill(vm->pid, SIGKILL);
			r = qemu_proc_wait(vm->pid, -1, &status);
		}
		vm->exited = true;
		vm->wait_status = r == 0 ? status : 0;
	}
	virtiofsd_stop(vm->virtiofsd_pid, VIRTIOFSD_EXIT_MS);
	vm->virtiofsd_pid = -1;
	vm->qmp = qmp_close(vm->qmp);
	vm->stopped = true;
	return 0;
}

struct vm *vm_free(struct vm *vm)
{
	if (!vm)
		return NULL;
	vm_stop(vm, FREE_TIMEOUT_MS);
	free(vm);
	return NULL;
}

void vm_release_qmp(struct vm *vm)
{
	vm->qmp = qmp_close(vm->qmp);
}

int vm_adopt(const char *run_dir, pid_t watcher, const struct channel_config *channel,
	     struct vm **ret_vm, struct kata_error *err)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return kata_fail(err, ENOMEM, "adopting the VM: out of memory");
	vm->pid = watcher;
	vm->virtiofsd_pid = -1;
	vm->accel = VM_ACCEL_AUTO;
	vm->channel = *channel;
	vm->channel.vhost_fd = -1;
	snprintf(vm->console_path, sizeof(vm->console_path), "%s/console.log", run_dir);
	snprintf(vm->log_path, sizeof(vm->log_path), "%s/qemu.log", run_dir);
	char qmp_path[SUN_PATH_MAX];
	int r;
	if (snprintf(qmp_path, sizeof(qmp_path), "%s/qmp.sock", run_dir) >= (int)sizeof(qmp_path))
		r = kata_fail(err, ENAMETOOLONG, "run directory %s is too long for a socket path",
			      run_dir);
	else
		r = qmp_connect(qmp_path, START_TIMEOUT_MS, &vm->qmp, err);
	if (r < 0) {
		/* The watcher is ours: killing it makes the keeper kill its QEMU. */
		kill(watcher, SIGKILL);
		qemu_proc_wait(watcher, -1, NULL);
		vm->exited = true;
		vm_free(vm);
		return kata_error_prefix(err, r, "adopting the VM");
	}
	*ret_vm = vm;
	return 0;
}
