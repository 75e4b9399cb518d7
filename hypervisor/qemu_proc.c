/* SPDX-License-Identifier: Apache-2.0 */
#include "qemu_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_signals.h"
#include "cleanup.h"
#include "error.h"
#include "sockutil.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
qemu_proc_exec(const struct qemu_proc_spec *spec, pid_t parent, int devnull, int out, int report)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127); /* the parent is already gone: the death signal would never come */
	if (spec->new_pgrp)
		setpgid(0, 0);

	child_reset_signals();

	if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	/* Whatever the caller left open without O_CLOEXEC must not leak into QEMU. */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	for (size_t i = 0; i < spec->n_keep; i++) {
		int fd = spec->keep_fds[i];
		if (fd < 3 || fcntl(fd, F_SETFD, 0) < 0)
			goto fail;
	}
	execv(spec->argv[0], spec->argv);
fail:;
	int e = errno;
	while (write(report, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

int qemu_proc_spawn(const struct qemu_proc_spec *spec, pid_t *ret_pid, struct kata_error *err)
{
	cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return kata_fail_errno(err, errno, "opening /dev/null");
	/* Duplicates above 2, so that dup2 onto 0-2 in the child cannot clobber a source. */
	cleanup_close int null_hi = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
	cleanup_close int out_hi =
	    fcntl(spec->stdout_fd >= 0 ? spec->stdout_fd : devnull, F_DUPFD_CLOEXEC, 3);
	if (null_hi < 0 || out_hi < 0)
		return kata_fail_errno(err, errno, "duplicating QEMU's output fd");

	/* CLOEXEC pipe: EOF means exec succeeded, an int means it failed with that errno. */
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		return kata_fail_errno(err, errno, "creating a pipe");
	cleanup_close int rd = report[0], wr = report[1];

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return kata_fail_errno(err, errno, "forking to run %s", spec->argv[0]);
	if (pid == 0)
		qemu_proc_exec(spec, parent, null_hi, out_hi, wr);

	close(steal_fd(wr));
	int child_errno = 0;
	ssize_t n;
	while ((n = read(rd, &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
		;
	if (n > 0) {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return kata_fail_errno(err, child_errno, "executing %s", spec->argv[0]);
	}
	*ret_pid = pid;
	return 0;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int reap_nohang(pid_t pid, int *ret_status)
{
	int status;
	pid_t r;
	while ((r = waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	if (ret_status)
		*ret_status = status;
	return 0;
}

int qemu_proc_wait(pid_t pid, int timeout_ms, int *ret_status)
{
	if (timeout_ms < 0) {
		int status;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
		if (ret_status)
			*ret_status = status;
		return 0;
	}
	int64_t deadline = mono_ms() + timeout_ms;
	/* A pidfd wakes us the moment QEMU exits; without one, poll in short sleeps. */
	cleanup_close int pidfd = pidfd_open_(pid);
	int delay = 1;
	for (;;) {
		int r = reap_nohang(pid, ret_status);
		if (r != -EAGAIN)
			return r;
		if (deadline_left(deadline) == 0)
			return -ETIMEDOUT;
		if (pidfd >= 0) {
			wait_fd_until(pidfd, POLLIN, deadline);
		} else {
			sleep_until_at_most(deadline, delay);
			if (delay < 20)
				delay *= 2;
		}
	}
}

bool qemu_proc_exited(pid_t pid, int *ret_status)
{
	siginfo_t si = {0};
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	if (si.si_pid != pid)
		return false;
	if (ret_status)
		*ret_status =
		    si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : (si.si_status & 0x7f);
	return true;
}

void qemu_proc_status_str(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "stopped (wait status 0x%x)", status);
}
