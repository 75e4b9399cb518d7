/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec: a new process in a running container. The monitor runs it (see monitor_exec.c); this
 * side picks its stdio, then either waits in the foreground or leaves a stand-in process that
 * holds the session and exits with the process's status, which is what conmon and
 * containerd's shim wait on after `runc exec --detach --pid-file`.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "error.h"
#include "leak_check.h"
#include "spawn.h"
#include "exec_process.h"
#include "exec_session.h"
#include "fsutil.h"
#include "log.h"

/* Refuses what runc refuses, with runc's words. */
static int check_options(const struct kata_exec_options *o, struct kata_error *err)
{
	if (o->preserve_fds > 0)
		return kata_fail(
		    err, ENOTSUP,
		    "--preserve-fds is not supported: host fds cannot cross into the VM");
	/* The guest kernel has neither LSM: a label that would not be applied is refused. */
	if (o->apparmor && *o->apparmor)
		return kata_fail(err, ENOTSUP,
				 "--apparmor is not supported: the guest kernel has no AppArmor");
	if (o->process_label && *o->process_label)
		return kata_fail(
		    err, ENOTSUP,
		    "--process-label is not supported: the guest kernel has no SELinux");
	if (!o->process_path && o->n_args == 0)
		return kata_fail(err, EINVAL, "exec: a command is required (or --process)");
	if (o->detach && o->tty && !o->console_socket)
		return kata_fail(err, EINVAL,
				 "cannot allocate tty if kata will detach without setting console "
				 "socket");
	if (o->console_socket && (!o->detach || !o->tty))
		return kata_fail(
		    err, EINVAL,
		    "cannot use console socket if kata will not detach or allocate tty");
	return 0;
}

static int check_status(const char *id, const char *status, struct kata_error *err)
{
	if (!strcmp(status, "running"))
		return 0;
	if (!strcmp(status, "created"))
		return kata_fail(err, EINVAL, "cannot exec in a created container (start %s first)",
				 id);
	return kata_fail(err, EINVAL, "cannot exec in a %s container", status);
}

/*
 * The stdio the process gets: ours, with /dev/null standing in for any that is closed (else
 * the control socket itself could land on fd 0 and be handed over as the process's stdin).
 * Descriptors opened here are recorded in owned[] for the caller to close.
 */
static int pick_stdio(const int want[3], int fds[3], int owned[3], struct kata_error *err)
{
	for (int i = 0; i < 3; i++) {
		owned[i] = -1;
		fds[i] = want[i];
		if (fcntl(want[i], F_GETFD) >= 0)
			continue;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0)
			return kata_fail_errno(err, errno, "open /dev/null");
		/* Keep it off 0-2 so the next closed slot is still seen as closed. */
		int high = fcntl(null, F_DUPFD_CLOEXEC, 3);
		close(null);
		if (high < 0)
			return kata_fail_errno(err, errno, "dup /dev/null");
		fds[i] = owned[i] = high;
	}
	return 0;
}

static void close_owned(int owned[3])
{
	for (int i = 0; i < 3; i++)
		if (owned[i] >= 0)
			close(owned[i]);
}

static int run_foreground(const char *dir, const struct kata_exec_options *o, const uint8_t *proc,
			  size_t len, int *ret_status, struct kata_error *err)
{
	static const int ours[3] = {0, 1, 2};
	const int *want = o->stdio ? o->stdio : ours;
	int fds[3], owned[3];
	int rc = pick_stdio(want, fds, owned, err);
	if (rc < 0) {
		close_owned(owned);
		return rc;
	}
	int tty_fd = o->tty && isatty(want[0]) ? want[0] : -1;
	struct termios saved;
	bool raw = false;
	/* The guest's pty does echo and line editing; ours must pass bytes untouched. */
	if (tty_fd >= 0 && tcgetattr(tty_fd, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(tty_fd, TCSANOW, &t) == 0;
	}
	cleanup_close int conn = exec_session_open(dir, proc, len, fds, err);
	close_owned(owned);
	if (conn < 0)
		rc = conn;
	else if (o->pid_file)
		/* The process lives in the VM: this process stands in for it, as the monitor does
		 * for the workload, exiting with its status. */
		rc = write_pid_file(o->pid_file, getpid(), err);
	if (rc >= 0)
		rc = exec_session_wait(conn, tty_fd, ret_status, err);
	if (raw)
		tcsetattr(tty_fd, TCSANOW, &saved);
	return rc;
}

struct standin_report {
	int32_t status;
	char msg[1000];
};

/* The stand-in: holds the session and exits with the exec's status. Never returns. */
static _Noreturn void standin_main(const char *dir, const struct kata_exec_options *o,
				   const uint8_t *proc, size_t len, int report_fd)
{
	struct kata_error err = {0};
	struct standin_report r = {0};
	static const int ours[3] = {0, 1, 2};
	int fds[3], owned[3];
	int master = -1, slave = -1;
	setsid();
	if (pick_stdio(ours, fds, owned, &err) < 0)
		goto fail;
	if (o->console_socket) {
		if (console_open_pty(o->console_socket, &master, &slave, &err) < 0)
			goto fail;
		close(master);
		/* Our controlling terminal: the receiver's resizes arrive here as SIGWINCH. */
		ioctl(slave, TIOCSCTTY, 0);
		fds[0] = fds[1] = fds[2] = slave;
	}
	int conn = exec_session_open(dir, proc, len, fds, &err);
	if (conn < 0)
		goto fail;
	/* Signals for the process may come as soon as our caller hears from us: held pending
	 * from now on until exec_session_wait relays them, not acted on (most would kill us). */
	sigset_t relayed;
	exec_session_signals(&relayed);
	sigprocmask(SIG_BLOCK, &relayed, NULL);
	ssize_t ignored = write(report_fd, &r, sizeof(r));
	(void)ignored;
	close(report_fd);
	/* The monitor holds the stdio now; ours would only keep the caller's pipes open. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	int status = 255;
	if (exec_session_wait(conn, slave, &status, &err) < 0)
		status = 255;
	leak_check();
	_exit(status);
fail:
	r.status = err.status ? err.status : EIO;
	snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
	ignored = write(report_fd, &r, sizeof(r));
	_exit(255);
}

static int run_detached(const char *dir, const struct kata_exec_options *o, const uint8_t *proc,
			size_t len, pid_t *ret_pid, struct kata_error *err)
{
	int fd;
	pid_t child = spawn_with_report_pipe(o->stdio, &fd, err);
	if (child < 0)
		return (int)child;
	if (child == 0)
		standin_main(dir, o, proc, len, fd);
	struct standin_report r = {0};
	int rc = spawn_read_report(fd, &r, sizeof(r));
	close(fd);
	if (rc < 0 || r.status != 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		if (rc < 0)
			return kata_fail(err, EPIPE, "the exec stand-in exited before reporting");
		r.msg[sizeof(r.msg) - 1] = '\0';
		return kata_fail(err, r.status, "%s", r.msg);
	}
	if (ret_pid)
		*ret_pid = child;
	if (o->pid_file)
		return write_pid_file(o->pid_file, child, err);
	return 0;
}

static int container_exec(const struct kata_context *ctx, const char *id,
			  const struct kata_exec_options *opts, int *ret_status, pid_t *ret_pid,
			  struct kata_error *err)
{
	int rc = check_options(opts, err);
	if (rc < 0)
		return rc;
	char dir[PATH_MAX];
	struct container_state st;
	rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	rc = check_status(id, st.status, err);
	cleanup_free uint8_t *proc = NULL;
	long len = rc < 0 ? rc : exec_process_pack(opts, &st, &proc, err);
	container_state_clear(&st);
	if (len < 0)
		return (int)len;
	if (opts->detach) {
		rc = run_detached(dir, opts, proc, (size_t)len, ret_pid, err);
		if (ret_status)
			*ret_status = 0;
		return rc;
	}
	int status = 255;
	rc = run_foreground(dir, opts, proc, (size_t)len, &status, err);
	kata_debug(ctx, "%s: exec exited with status %d", id, status);
	if (rc >= 0 && ret_status)
		*ret_status = status;
	return rc;
}

int kata_container_exec(const struct kata_context *ctx, const char *id,
			const struct kata_exec_options *opts, int *ret_status,
			struct kata_error *err)
{
	return container_exec(ctx, id, opts, ret_status, NULL, err);
}

int kata_container_exec_start(const struct kata_context *ctx, const char *id,
			      const struct kata_exec_options *opts, pid_t *ret_pid,
			      struct kata_error *err)
{
	struct kata_exec_options o = *opts;
	o.detach = true;
	return container_exec(ctx, id, &o, NULL, ret_pid, err);
}

int kata_exec_signal(pid_t standin, int sig, struct kata_error *err)
{
	if (sig <= 0 || sig >= 65)
		return kata_fail(err, EINVAL, "invalid signal %d", sig);
	union sigval v = {.sival_int = sig};
	if (sigqueue(standin, EXEC_SESSION_RELAY_SIGNAL, v) < 0)
		return kata_fail_errno(err, errno, "signal the exec stand-in %d", (int)standin);
	return 0;
}
