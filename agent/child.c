/* SPDX-License-Identifier: Apache-2.0 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "container_setup.h"
#include "error.h"
#include "exec_lookup.h"
#include "in_root.h"
#include "rlimits.h"
#include "seccomp_filter.h"
#include "terminal.h"
#include "ttrpc.h"
#include "user.h"

/* The child's fd layout after move_fds. */
enum { FD_SYNC = 3, FD_START = 4, FD_EXEC = 5, FD_FIRST_FREE = 6 };

/* Sends one report; on the sync socket it may carry an fd (the pty master). */
static void send_report(int fd, int code, int exit_code, const char *msg, int pass_fd)
{
	struct child_report r = {.code = code, .exit_code = exit_code};
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	struct iovec iov = {&r, sizeof(r)};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (pass_fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &pass_fd, sizeof(int));
	}
	ssize_t n;
	do
		n = pass_fd < 0 ? write(fd, &r, sizeof(r)) : sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
}

static int setup_code(const struct kata_error *err)
{
	return err->status == EINVAL ? TTRPC_INVALID_ARGUMENT : TTRPC_INTERNAL;
}

_Noreturn static void fail_setup(int code, const struct kata_error *err)
{
	send_report(FD_SYNC, code, 1, err->msg, -1);
	_exit(1);
}

_Noreturn static void fail_exec(int exit_code, const struct kata_error *err)
{
	send_report(FD_EXEC, TTRPC_INTERNAL, exit_code, err->msg, -1);
	_exit(exit_code);
}

/* Puts stdio on 0-2 and the pipes on 3-5, and closes every other inherited fd. */
static int move_fds(const struct child_config *cfg)
{
	int want[6] = {cfg->stdio[0], cfg->stdio[1], cfg->stdio[2],
		       cfg->sync_fd,  cfg->start_fd, cfg->exec_fd};
	int tmp[6];
	/* Copies above every target first, so no dup below overwrites a source. */
	for (int i = 0; i < 6; i++) {
		tmp[i] = fcntl(want[i], F_DUPFD_CLOEXEC, 64);
		if (tmp[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 6; i++)
		if (dup3(tmp[i], i, i < 3 ? 0 : O_CLOEXEC) < 0)
			return -errno;
	if (close_range(FD_FIRST_FREE, ~0U, 0) < 0)
		return -errno;
	return 0;
}

static void reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int set_oom_score_adj(int64_t v, struct kata_error *err)
{
	if (v == 0)
		return 0;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return kata_fail_errno(err, e, "set oom_score_adj to %s", buf);
	}
	close(fd);
	return 0;
}

static int enter_cwd(const char *cwd, bool create, struct kata_error *err)
{
	if (!cwd || !*cwd)
		cwd = "/";
	if (cwd[0] != '/')
		return kata_fail(err, EINVAL, "cwd \"%s\" is not an absolute path", cwd);
	if (create) {
		/* As runc: the working directory is created when the image lacks it. */
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		int fd = root < 0 ? -errno : in_root_mkpath(root, cwd, IN_ROOT_DIR);
		if (root >= 0)
			close(root);
		if (fd < 0)
			return kata_fail_errno(err, -fd, "create cwd \"%s\"", cwd);
		close(fd);
	}
	if (chdir(cwd) < 0)
		return kata_fail_errno(err, errno, "chdir to cwd \"%s\"", cwd);
	return 0;
}

/* NULL-terminated copies of the spec's arrays, with HOME added when the spec has none. */
static char **build_argv(const Grpc__Process *p)
{
	char **v = calloc(p->n_args + 1, sizeof(char *));
	if (v)
		memcpy(v, p->args, p->n_args * sizeof(char *));
	return v;
}

static char **build_envp(const Grpc__Process *p, uid_t uid)
{
	char **v = calloc(p->n_env + 2, sizeof(char *));
	if (!v)
		return NULL;
	memcpy(v, p->env, p->n_env * sizeof(char *));
	if (!env_lookup(p->env, p->n_env, "HOME")) {
		char home[512];
		user_home(uid, home, sizeof(home));
		if (asprintf(&v[p->n_env], "HOME=%s", home) < 0)
			v[p->n_env] = NULL;
	}
	return v;
}

/*
 * Our ids are still the agent's (0 outside, unmapped inside), and the user namespace gives
 * us every capability in it: become its root, as runc does, so what we create during setup
 * belongs to the container's root. process.user is applied later as without a user ns.
 */
static int become_userns_root(struct kata_error *err)
{
	if (setresgid(0, 0, 0) < 0)
		return kata_fail_errno(err, errno,
				       "setresgid(0) in the user namespace (does linux.gidMappings "
				       "map containerID 0?)");
	if (setresuid(0, 0, 0) < 0)
		return kata_fail_errno(err, errno,
				       "setresuid(0) in the user namespace (does linux.uidMappings "
				       "map containerID 0?)");
	return 0;
}

static void setup_namespaces_and_root(const struct child_config *cfg, struct kata_error *err)
{
	const Grpc__Spec *spec = cfg->spec;
	const Grpc__Process *p = cfg->process;
	/* In a user namespace the agent has set it: lowering it needs CAP_SYS_RESOURCE
	 * outside. */
	if (!cfg->userns && set_oom_score_adj(p->oomscoreadj, err) < 0)
		fail_setup(setup_code(err), err);
	if (!cfg->setup_rootfs)
		return;
	if (container_setup_rootfs(spec, cfg->stage_dir, err) < 0)
		fail_setup(setup_code(err), err);
	if (spec->hostname && *spec->hostname) {
		if (!cfg->new_uts) {
			kata_fail(err, EINVAL,
				  "unable to set hostname without a private UTS namespace");
			fail_setup(TTRPC_INVALID_ARGUMENT, err);
		}
		if (sethostname(spec->hostname, strlen(spec->hostname)) < 0) {
			kata_fail_errno(err, errno, "sethostname \"%s\"", spec->hostname);
			fail_setup(setup_code(err), err);
		}
	}
	if (spec->domainname && *spec->domainname) {
		if (!cfg->new_uts) {
			kata_fail(err, EINVAL,
				  "unable to set domainname without a private UTS namespace");
			fail_setup(TTRPC_INVALID_ARGUMENT, err);
		}
		if (setdomainname(spec->domainname, strlen(spec->domainname)) < 0) {
			kata_fail_errno(err, errno, "setdomainname \"%s\"", spec->domainname);
			fail_setup(setup_code(err), err);
		}
	}
}

_Noreturn void child_main(const struct child_config *cfg)
{
	struct kata_error err = {0};
	const Grpc__Process *p = cfg->process;
	const Grpc__LinuxSeccomp *seccomp =
	    cfg->spec && cfg->spec->linux ? cfg->spec->linux->seccomp : NULL;

	if (cfg->userns_fd >= 0) {
		char go;
		ssize_t n;
		do
			n = read(cfg->userns_fd, &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(1); /* the agent failed our set-up and reports why itself */
	}
	/* A user namespace comes first in join_ns: its capabilities let us join the rest. */
	for (int i = 0; i < CHILD_MAX_JOIN_NS && cfg->join_ns[i] >= 0; i++)
		if (setns(cfg->join_ns[i], 0) < 0) {
			kata_fail_errno(&err, errno, "join the container's namespaces");
			send_report(cfg->sync_fd, TTRPC_INTERNAL, 1, err.msg, -1);
			_exit(1);
		}
	if (cfg->userns && become_userns_root(&err) < 0) {
		send_report(cfg->sync_fd, TTRPC_INVALID_ARGUMENT, 1, err.msg, -1);
		_exit(1);
	}
	if (move_fds(cfg) < 0) {
		kata_fail_errno(&err, errno, "set up the process's fds");
		send_report(cfg->sync_fd, TTRPC_INTERNAL, 1, err.msg, -1);
		_exit(1);
	}
	umask(0);
	setup_namespaces_and_root(cfg, &err);
	/* In the container's root now: its devpts gives the terminal. */
	int master = -1;
	if (cfg->terminal) {
		master = terminal_setup(p, cfg->setup_rootfs, &err);
		if (master < 0)
			fail_setup(setup_code(&err), &err);
	} else {
		setsid();
	}

	/* In a user namespace the agent applied them: raising a hard limit needs
	 * CAP_SYS_RESOURCE outside it. */
	if ((!cfg->userns && rlimits_apply(p, &err) < 0) ||
	    enter_cwd(p->cwd, cfg->setup_rootfs, &err) < 0)
		fail_setup(setup_code(&err), &err);
	char exe[4096];
	if (exec_lookup(p->args ? p->args[0] : NULL, env_lookup(p->env, p->n_env, "PATH"), exe,
			sizeof(exe), &err) < 0)
		fail_setup(TTRPC_INVALID_ARGUMENT, &err);

	/* As runc: without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so load it first. */
	if (seccomp && !p->nonewprivileges && seccomp_apply(seccomp, &err) < 0)
		fail_setup(setup_code(&err), &err);
	if (p->capabilities && caps_apply_bounding(p->capabilities, &err) < 0)
		fail_setup(setup_code(&err), &err);
	if (user_switch(p->user, &err) < 0)
		fail_setup(setup_code(&err), &err);
	if (p->capabilities && caps_apply_sets(p->capabilities, &err) < 0)
		fail_setup(setup_code(&err), &err);
	char **argv = build_argv(p);
	char **envp = build_envp(p, p->user ? p->user->uid : 0);
	if (!argv || !envp) {
		kata_fail(&err, ENOMEM, "out of memory");
		fail_setup(TTRPC_INTERNAL, &err);
	}

	send_report(FD_SYNC, TTRPC_OK, 0, "", master);
	close(FD_SYNC);
	if (master >= 0)
		close(master);
	char go;
	ssize_t n;
	do
		n = read(FD_START, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(1); /* the agent dropped the process before starting it */
	close(FD_START);

	reset_signals();
	/* runc's default when the spec gives none. */
	umask(p->user && p->user->umask_case == GRPC__USER__UMASK_UMASK ? (mode_t)p->user->umask
									: 022);
	if (p->nonewprivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		kata_fail_errno(&err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
		fail_exec(1, &err);
	}
	if (seccomp && p->nonewprivileges && seccomp_apply(seccomp, &err) < 0)
		fail_exec(1, &err);
	execve(exe, argv, envp);
	int e = errno;
	kata_fail(&err, e, "exec: \"%s\": %s", exe, strerror(e));
	fail_exec(exec_exit_code(-e), &err);
}
