/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pooled VM's keeper: QEMU's parent for the VM's whole life. It boots the VM in a mount
 * namespace of its own (so that the container's rootfs, moved into it later, is seen by QEMU's
 * 9p server and vanishes with the VM), checks that the agent answers, and waits:
 *  - unclaimed: until SIGTERM (factory destroy) or QEMU's exit;
 *  - claimed: the claimer's connection stands for the container's monitor. When QEMU exits,
 *    its wait status is written there; when the connection closes first, QEMU is killed.
 * Either way the keeper removes the VM's directory and exits.
 */
#include "factory.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_client.h"
#include "cleanup.h"
#include "error.h"
#include "factory_report.h"
#include "fsutil.h"
#include "health.pb-c.h"
#include "state.h"

static void report(int fd, int status, const char *msg)
{
	struct factory_report r = {.status = status};
	snprintf(r.msg, sizeof(r.msg), "%s", msg ? msg : "");
	ssize_t ignored = write(fd, &r, sizeof(r));
	(void)ignored;
	close(fd);
}

static int listen_here(const char *name, struct kata_error *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "socket");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", name);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0) {
		int e = errno;
		close(fd);
		return kata_fail_errno(err, e, "listening on %s", name);
	}
	return fd;
}

static int boot(const struct runtime_config *rc, const char *dir, struct vm **ret_vm,
		struct kata_error *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return kata_fail_errno(err, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return kata_fail_errno(err, errno, "make / rslave");
	char name[PATH_MAX + 16];
	snprintf(name, sizeof(name), "kata-pool:%s", dir);
	struct factory_vm_opts o = {.name = name};
	/* Cloned from the template when one matches: faster, and it shares the template's RAM. */
	struct factory_template tpl;
	struct kata_error ignored = {0};
	if (rc->enable_template && factory_template_find(rc, &tpl, &ignored) == 1) {
		o.mem_file = tpl.memory;
		o.incoming_state = tpl.state;
	}
	int r = factory_start_vm(rc, &o, ret_vm, err);
	if (r < 0)
		return r;
	vm_release_qmp(*ret_vm);
	return 0;
}

static void remove_vm_dir(const char *dir)
{
	umount_below(dir);
	rm_rf(dir);
}

/* Kills QEMU (if still running), reaps it, cleans up, exits. */
static _Noreturn void finish(struct vm *vm, const char *dir, bool kill_it)
{
	if (kill_it)
		vm_stop(vm, 0);
	vm_free(vm);
	remove_vm_dir(dir);
	_exit(0);
}

static int write_marker(const char *name, const char *text)
{
	return write_file_atomic(name, text, strlen(text));
}

_Noreturn void factory_keeper_main(const struct runtime_config *rc, const char *dir, int report_fd)
{
	prctl(PR_SET_NAME, "kata-pool-vm");
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (report_fd > 3)
		close_range(3, (unsigned)report_fd - 1, 0);
	close_range((unsigned)report_fd + 1, ~0U, 0);

	/* SIGCHLD before QEMU exists, so that its exit cannot be missed. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_SETMASK, &set, NULL);
	int sigfd = signalfd(-1, &set, SFD_CLOEXEC);

	struct kata_error err = {0};
	struct vm *vm = NULL;
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	int lfd = -1;
	cleanup_free char *fp = factory_fingerprint(rc);
	if (sigfd < 0 || chdir(dir) < 0) {
		report(report_fd, errno, "keeper setup failed");
		remove_vm_dir(dir);
		_exit(1);
	}
	int r = write_marker("keeper.pid", pid);
	if (r < 0)
		kata_fail_errno(&err, -r, "writing %s/keeper.pid", dir);
	else if (!fp)
		r = kata_fail(&err, ENOMEM, "out of memory");
	else if ((r = boot(rc, dir, &vm, &err)) >= 0 &&
		 (lfd = listen_here("keeper.sock", &err)) < 0)
		r = lfd;
	if (r >= 0 && (r = write_marker("fingerprint", fp)) < 0)
		kata_fail_errno(&err, -r, "writing %s/fingerprint", dir);
	if (r >= 0 && (r = write_marker("ready", "")) < 0)
		kata_fail_errno(&err, -r, "writing %s/ready", dir);
	if (r < 0) {
		report(report_fd, err.status ? err.status : EIO, err.msg);
		finish(vm, dir, true);
	}
	report(report_fd, 0, NULL);

	int conn = -1;
	for (;;) {
		struct pollfd p[2] = {{.fd = sigfd, .events = POLLIN},
				      {.fd = conn >= 0 ? conn : lfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			finish(vm, dir, true);
		}
		if (p[0].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo != SIGCHLD)
				finish(vm, dir, true); /* destroyed */
			int status = 0;
			if (waitpid(vm_pid(vm), &status, WNOHANG) != vm_pid(vm))
				continue; /* not QEMU (virtiofsd is never used here) */
			vm_mark_exited(vm, status);
			if (conn >= 0) {
				ssize_t ignored = write(conn, &status, sizeof(status));
				(void)ignored;
			}
			finish(vm, dir, false);
		}
		if (!p[1].revents)
			continue;
		if (conn >= 0)
			finish(vm, dir, true); /* the monitor is gone (EOF or error) */
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		/* Only a claimer that won the rename may take the VM. */
		if (c < 0)
			continue;
		if (access("claimed", F_OK) < 0) {
			close(c);
			continue;
		}
		conn = c;
		close(lfd);
		unlink("keeper.sock");
	}
}
