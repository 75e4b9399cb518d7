/* SPDX-License-Identifier: Apache-2.0 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sched.h> /* struct clone_args */

#include "agent.pb-c.h"
#include "cgroup.h"
#include "child.h"
#include "container_setup.h"
#include "cleanup.h"
#include "log.h"
#include "rlimits.h"

struct process *process_new(void *owner, const char *exec_id, const struct process_events *ev)
{
	struct process *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->exec_id = strdup(exec_id ? exec_id : "");
	if (!p->exec_id) {
		free(p);
		return NULL;
	}
	p->owner = owner;
	p->ev = ev;
	p->start_fd = -1;
	p->sync_w.fd = p->exec_w.fd = -1;
	out_stream_init(&p->out, false, "stdout");
	out_stream_init(&p->err, false, "stderr");
	in_stream_init(&p->in, false);
	return p;
}

int process_encode_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

static void close_watch(struct watch *w)
{
	loop_unwatch(w);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/*
 * Reads one child_report (and, from the sync socket, a passed fd into *ret_fd when not
 * NULL); returns 1 with it, 0 at EOF, -EAGAIN, or -errno.
 */
static int read_report(int fd, struct child_report *r, int *ret_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = {r, sizeof(*r)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (ret_fd) {
		*ret_fd = -1;
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
	}
	ssize_t n;
	do
		n = ret_fd ? recvmsg(fd, &m, MSG_CMSG_CLOEXEC) : read(fd, r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	if (n > 0 && ret_fd) {
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(h), sizeof(int));
	}
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*r))
		return -EPROTO; /* reports are written whole, in one atomic pipe write */
	r->msg[sizeof(r->msg) - 1] = '\0';
	return 1;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* The child made its terminal: its master becomes stdout, and (dup'ed) stdin. */
static int attach_terminal(struct process *p, int master)
{
	if (master < 0)
		return -EPROTO;
	int in = fcntl(master, F_DUPFD_CLOEXEC, 0);
	if (in < 0 || set_nonblock(master) < 0) {
		int e = errno;
		close(master);
		if (in >= 0)
			close(in);
		return -e;
	}
	out_stream_attach(&p->out, master);
	out_stream_attach(&p->err, -1);
	in_stream_attach(&p->in, in);
	return 0;
}

static void unstage(struct process *p)
{
	if (!p->stage_dir)
		return;
	container_unstage_sources(p->stage_dir);
	free(p->stage_dir);
	p->stage_dir = NULL;
}

static void sync_ready(struct watch *w, uint32_t events)
{
	struct process *p = (struct process *)((char *)w - offsetof(struct process, sync_w));
	struct child_report r;
	int master;
	int rc = read_report(w->fd, &r, &master);
	if (rc == -EAGAIN)
		return;
	close_watch(w);
	/* The child has pivoted away from the staged sources, or given up. */
	unstage(p);
	if (rc == 1 && r.code == TTRPC_OK && p->terminal && attach_terminal(p, master) < 0) {
		p->phase = PROC_FAILED;
		p->ev->ready(p, TTRPC_INTERNAL, "the process's terminal did not arrive");
		return;
	}
	if (rc == 1 && r.code == TTRPC_OK) {
		p->phase = PROC_READY;
		p->ev->ready(p, TTRPC_OK, NULL);
		return;
	}
	if (master >= 0)
		close(master);
	p->phase = PROC_FAILED;
	if (rc == 1)
		p->ev->ready(p, r.code, r.msg);
	else
		p->ev->ready(p, TTRPC_INTERNAL, "the process exited during its setup");
}

static void exec_ready(struct watch *w, uint32_t events)
{
	struct process *p = (struct process *)((char *)w - offsetof(struct process, exec_w));
	struct child_report r;
	int rc = read_report(w->fd, &r, NULL);
	if (rc == -EAGAIN)
		return;
	close_watch(w);
	/* EOF: the close-on-exec write end went away in a successful execve. */
	if (rc == 0) {
		p->phase = PROC_RUNNING;
		p->ev->execed(p, TTRPC_OK, NULL);
		return;
	}
	p->phase = PROC_FAILED;
	p->ev->execed(p, rc == 1 ? r.code : TTRPC_INTERNAL,
		      rc == 1 ? r.msg : "lost contact with the process before its exec");
}

struct spawn_fds {
	int in[2], out[2], err[2];
	int devnull;
	int sync[2], start[2], exec[2];
	int ns[CHILD_MAX_JOIN_NS], pidns, self_pidns;
	int cgroup;
	int userns[2];
};

static void spawn_fds_close(struct spawn_fds *f)
{
	int *all = (int *)f;
	for (size_t i = 0; i < sizeof(*f) / sizeof(int); i++)
		if (all[i] >= 0)
			close(all[i]);
}
#define cleanup_spawn_fds __attribute__((cleanup(spawn_fds_close)))

#define STDIO_PIPE_SIZE (1 << 20)

static int open_stdio(struct spawn_fds *f, const Grpc__Process *proc, struct child_config *cfg,
		      struct kata_error *err)
{
	if (proc->terminal) {
		/* Placeholders until the child has made its terminal in the container. */
		f->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (f->devnull < 0)
			return kata_fail_errno(err, errno, "open /dev/null");
		cfg->terminal = true;
		cfg->stdio[0] = cfg->stdio[1] = cfg->stdio[2] = f->devnull;
		return 0;
	}
	if (pipe2(f->in, O_CLOEXEC) < 0 || pipe2(f->out, O_CLOEXEC) < 0 ||
	    pipe2(f->err, O_CLOEXEC) < 0)
		return kata_fail_errno(err, errno, "create stdio pipes");
	/* Room for 1 MiB of output (the kernel's pipe-max-size): a workload that writes fast
	 * blocks less, and the agent wakes for larger reads. Pages are used only when filled;
	 * best effort, the default 64 KiB works too. */
	fcntl(f->out[1], F_SETPIPE_SZ, STDIO_PIPE_SIZE);
	fcntl(f->err[1], F_SETPIPE_SZ, STDIO_PIPE_SIZE);
	cfg->stdio[0] = f->in[0];
	cfg->stdio[1] = f->out[1];
	cfg->stdio[2] = f->err[1];
	return 0;
}

/* 1 when /proc/<pid>/ns/<kind> is another namespace than the agent's, 0 when the same. */
static int ns_differs(pid_t pid, const char *kind, struct kata_error *err)
{
	char path[64];
	struct stat theirs, ours;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, kind);
	if (stat(path, &theirs) < 0)
		return kata_fail_errno(err, errno, "stat %s", path);
	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	if (stat(path, &ours) < 0)
		return kata_fail_errno(err, errno, "stat %s", path);
	return theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev;
}

/*
 * exec: the child enters these in setns; the pid namespace is entered by the agent itself.
 * The user namespace goes first: once in it the child has no capabilities over namespaces
 * the agent owns, so only the container's own ones are joined (the others are the agent's,
 * where the child already is).
 */
static int open_join_ns(struct spawn_fds *f, pid_t pid, struct child_config *cfg,
			struct kata_error *err)
{
	static const char *const kinds[] = {"user", "ipc", "uts", "cgroup", "mnt"};
	_Static_assert(sizeof(kinds) / sizeof(kinds[0]) <= CHILD_MAX_JOIN_NS, "join_ns size");
	char path[64];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int rc = ns_differs(pid, kinds[i], err);
		if (rc < 0)
			return rc;
		if (!rc)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, kinds[i]);
		f->ns[n] = open(path, O_RDONLY | O_CLOEXEC);
		if (f->ns[n] < 0)
			return kata_fail_errno(err, errno, "open %s", path);
		cfg->join_ns[n] = f->ns[n];
		n++;
		if (i == 0)
			cfg->userns = true;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	f->pidns = open(path, O_RDONLY | O_CLOEXEC);
	f->self_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (f->pidns < 0 || f->self_pidns < 0)
		return kata_fail_errno(err, errno, "open the pid namespaces");
	return 0;
}

/* Writes "containerID hostID size" lines to /proc/<pid>/<file> in the one write the kernel
 * accepts. */
static int write_id_map(pid_t pid, const char *file, const char *field, Grpc__LinuxIDMapping **maps,
			size_t n, struct kata_error *err)
{
	char buf[4096]; /* the kernel takes less than a page */
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", maps[i]->containerid,
				 maps[i]->hostid, maps[i]->size);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return kata_fail(err, EINVAL,
					 "linux.%s: %zu entries do not fit in one write of %s "
					 "(under 4096 bytes)",
					 field, n, file);
		len += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return kata_fail_errno(err, errno, "open %s", path);
	if (write(fd, buf, len) != (ssize_t)len)
		return kata_fail_errno(err, errno, "write linux.%s to %s", field, path);
	return 0;
}

static int set_oom_score_adj_of(pid_t pid, int64_t v, struct kata_error *err)
{
	if (v == 0)
		return 0;
	char path[64], buf[32];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		return kata_fail_errno(err, errno, "set oom_score_adj to %s", buf);
	return 0;
}

static int set_rlimits_of(pid_t pid, const Grpc__Process *p, struct kata_error *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const Grpc__POSIXRlimit *r = p->rlimits[i];
		int res = rlimit_from_name(r->type);
		if (res < 0)
			return kata_fail(err, EINVAL, "unknown rlimit \"%s\"", r->type);
		struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
		if (prlimit(pid, res, &rl, NULL) < 0)
			return kata_fail_errno(err, errno, "setrlimit %s (soft %llu, hard %llu)",
					       r->type, (unsigned long long)r->soft,
					       (unsigned long long)r->hard);
	}
	return 0;
}

/*
 * The agent's part of a child in a user namespace, done while the child waits: the id maps
 * of a new user namespace (as runc, gid_map is written by a privileged parent, so setgroups
 * stays allowed inside and no "deny" is needed), then what the child could no longer do
 * itself without capabilities outside its user namespace, as runc does from its parent.
 */
static int setup_userns_child(pid_t pid, const struct spawn_options *o, struct kata_error *err)
{
	const Grpc__Linux *l = o->spec ? o->spec->linux : NULL;
	int rc;
	if ((o->clone_flags & CLONE_NEWUSER) &&
	    ((rc = write_id_map(pid, "uid_map", "uidMappings", l->uidmappings, l->n_uidmappings,
				err)) < 0 ||
	     (rc = write_id_map(pid, "gid_map", "gidMappings", l->gidmappings, l->n_gidmappings,
				err)) < 0))
		return rc;
	if ((rc = set_rlimits_of(pid, o->process, err)) < 0 ||
	    (rc = set_oom_score_adj_of(pid, o->process->oomscoreadj, err)) < 0)
		return rc;
	return 0;
}

static pid_t clone_child(const struct spawn_fds *f, int flags, struct kata_error *err)
{
	/* setns(CLONE_NEWPID) only affects children: the agent stays where it is. */
	if (f->pidns >= 0 && setns(f->pidns, CLONE_NEWPID) < 0)
		return kata_fail_errno(err, errno, "enter the container's pid namespace");
	/* Born in its cgroup: nothing runs outside the limits, and a new cgroup namespace is
	 * rooted at the container's cgroup rather than at the agent's. */
	struct clone_args args = {
	    .flags = (uint64_t)(unsigned)flags | (f->cgroup >= 0 ? CLONE_INTO_CGROUP : 0),
	    .exit_signal = SIGCHLD,
	    .cgroup = f->cgroup >= 0 ? (uint64_t)f->cgroup : 0,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	int e = errno;
	if (pid != 0 && f->pidns >= 0 && setns(f->self_pidns, CLONE_NEWPID) < 0)
		log_error("cannot return to the agent's pid namespace: %s", strerror(errno));
	if (pid < 0)
		return kata_fail_errno(err, e, "clone3");
	return pid;
}

int process_spawn(struct process *p, const struct spawn_options *o, struct kata_error *err)
{
	cleanup_spawn_fds struct spawn_fds f;
	memset(&f, 0xff, sizeof(f)); /* every fd -1 */
	struct child_config cfg = {
	    .spec = o->spec,
	    .process = o->process,
	    .setup_rootfs = o->setup_rootfs,
	    .new_uts = (o->clone_flags & CLONE_NEWUTS) != 0,
	};
	for (int i = 0; i < CHILD_MAX_JOIN_NS; i++)
		cfg.join_ns[i] = -1;
	cfg.userns = (o->clone_flags & CLONE_NEWUSER) != 0;
	cfg.userns_fd = -1;

	int rc = open_stdio(&f, o->process, &cfg, err);
	if (rc < 0)
		return rc;
	/* A socket, so the ready report can carry the terminal's master. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f.sync) < 0 ||
	    pipe2(f.start, O_CLOEXEC) < 0 || pipe2(f.exec, O_CLOEXEC) < 0)
		return kata_fail_errno(err, errno, "create the sync socket and pipes");
	cfg.sync_fd = f.sync[1];
	cfg.start_fd = f.start[0];
	cfg.exec_fd = f.exec[1];
	if (o->join_pid > 0 && (rc = open_join_ns(&f, o->join_pid, &cfg, err)) < 0)
		return rc;
	if (o->cgroup && (f.cgroup = cgroup_open(o->cgroup)) < 0)
		return kata_fail_errno(err, -f.cgroup, "open cgroup %s", o->cgroup);
	if (cfg.userns) {
		if (pipe2(f.userns, O_CLOEXEC) < 0)
			return kata_fail_errno(err, errno, "create the user namespace pipe");
		cfg.userns_fd = f.userns[0];
	}
	char stage_dir[PATH_MAX];
	if (o->setup_rootfs && (o->clone_flags & CLONE_NEWUSER)) {
		if ((rc = container_stage_sources(o->spec, stage_dir, sizeof(stage_dir), err)) < 0)
			return rc;
		cfg.stage_dir = stage_dir;
	}

	pid_t pid = clone_child(&f, o->clone_flags, err);
	if (pid == 0)
		child_main(&cfg);
	if (cfg.stage_dir && pid > 0 && !(p->stage_dir = strdup(stage_dir))) {
		kill(pid, SIGKILL); /* the reaper collects it as an unknown child */
		pid = kata_fail(err, ENOMEM, "out of memory");
	}
	if (cfg.stage_dir && pid < 0)
		container_unstage_sources(stage_dir);
	if (pid < 0)
		return pid;
	if (cfg.userns) {
		char go = 1;
		rc = setup_userns_child(pid, o, err);
		if (rc >= 0 && write(f.userns[1], &go, 1) != 1)
			rc = kata_fail_errno(err, errno, "release the child in its user namespace");
		if (rc < 0) {
			/* Not ours yet: the reaper collects it as an unknown child. */
			kill(pid, SIGKILL);
			return rc;
		}
	}

	p->pid = pid;
	p->terminal = cfg.terminal;
	p->phase = PROC_SETTING_UP;
	/* Keep the agent's ends; the child's ends close with f. */
	p->sync_w = (struct watch){.fd = steal_fd(f.sync[0]), .fn = sync_ready};
	p->exec_w = (struct watch){.fd = steal_fd(f.exec[0]), .fn = exec_ready};
	p->start_fd = steal_fd(f.start[1]);
	/* A terminal's streams are attached once the child sends its master. */
	out_stream_init(&p->out, cfg.terminal, "stdout");
	out_stream_init(&p->err, false, "stderr");
	in_stream_init(&p->in, cfg.terminal);
	if (!cfg.terminal) {
		set_nonblock(f.in[1]);
		set_nonblock(f.out[0]);
		set_nonblock(f.err[0]);
		in_stream_attach(&p->in, steal_fd(f.in[1]));
		out_stream_attach(&p->out, steal_fd(f.out[0]));
		out_stream_attach(&p->err, steal_fd(f.err[0]));
	}
	if (set_nonblock(p->sync_w.fd) < 0 || set_nonblock(p->exec_w.fd) < 0 ||
	    loop_watch(&p->sync_w, EPOLLIN) < 0)
		log_error("process %d: cannot watch its sync socket", pid);
	log_debug("process %s: pid %d cloned", p->exec_id, pid);
	return 0;
}

int process_start(struct process *p)
{
	if (p->phase != PROC_READY || p->start_fd < 0)
		return -EBUSY;
	char go = 1;
	ssize_t n;
	do
		n = write(p->start_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(p->start_fd);
	p->start_fd = -1;
	if (n != 1)
		return -e;
	p->phase = PROC_EXECING;
	return loop_watch(&p->exec_w, EPOLLIN);
}

void process_exited(struct process *p, int wstatus)
{
	p->exited = true;
	p->status = process_encode_status(wstatus);
	log_debug("process %s (pid %d) exited with status %d", p->exec_id, p->pid, p->status);
	Grpc__WaitProcessResponse resp = GRPC__WAIT_PROCESS_RESPONSE__INIT;
	resp.status = p->status;
	while (p->waits) {
		struct wait_op *w = p->waits;
		p->waits = w->next;
		rpc_reply_ok(&w->call, &resp.base);
		free(w);
	}
	if (p->ev->exited)
		p->ev->exited(p);
}

void process_wait(struct process *p, const struct rpc_call *call)
{
	if (p->exited) {
		Grpc__WaitProcessResponse resp = GRPC__WAIT_PROCESS_RESPONSE__INIT;
		resp.status = p->status;
		rpc_reply_ok(call, &resp.base);
		return;
	}
	struct wait_op *w = calloc(1, sizeof(*w));
	if (!w) {
		rpc_reply_error(call, TTRPC_INTERNAL, "wait: out of memory");
		return;
	}
	w->call = *call;
	w->next = p->waits;
	p->waits = w;
}

void process_drop_stale(struct process *p, unsigned generation)
{
	struct wait_op **pp = &p->waits;
	while (*pp) {
		struct wait_op *w = *pp;
		if (w->call.generation != generation) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	out_stream_drop_stale(&p->out, generation);
	out_stream_drop_stale(&p->err, generation);
}

void process_free(struct process *p, const char *why)
{
	if (!p)
		return;
	close_watch(&p->sync_w);
	close_watch(&p->exec_w);
	unstage(p);
	if (p->start_fd >= 0)
		close(p->start_fd);
	out_stream_destroy(&p->out, why);
	out_stream_destroy(&p->err, why);
	in_stream_destroy(&p->in, why);
	while (p->waits) {
		struct wait_op *w = p->waits;
		p->waits = w->next;
		rpc_reply_error(&w->call, TTRPC_NOT_FOUND, "%s", why);
		free(w);
	}
	free(p->exec_id);
	free(p);
}
