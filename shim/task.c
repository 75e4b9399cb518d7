/* SPDX-License-Identifier: Apache-2.0 */
/* containerd.task.v2.Task: dispatch, and the task's life: Create, Start, State, Wait, Delete,
 * and the exits that end it. */
#include "task.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

void reply_errno(const struct call *c, int rc, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	shim_log("%s", msg);
	server_reply(c->conn, c->stream_id, ttrpc_code_from_errno(rc), msg, NULL);
}

void reply_ok(const struct call *c, const ProtobufCMessage *msg)
{
	server_reply(c->conn, c->stream_id, TTRPC_OK, NULL, msg);
}

void reply_empty(const struct call *c)
{
	Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
	reply_ok(c, &e.base);
}

void task_timestamp(const struct timespec *t, Google__Protobuf__Timestamp *ret)
{
	google__protobuf__timestamp__init(ret);
	ret->seconds = t->tv_sec;
	ret->nanos = (int32_t)t->tv_nsec;
}

struct proc *task_find(struct shim *s, const char *exec_id)
{
	bool init = !exec_id || !*exec_id;
	for (struct proc *p = s->procs; p; p = p->next)
		if (init ? !p->exec_id : (p->exec_id && !strcmp(p->exec_id, exec_id)))
			return p;
	return NULL;
}

struct proc *task_lookup(const struct call *c, const char *id, const char *exec_id)
{
	struct proc *p = NULL;
	if (id && !strcmp(id, c->s->flags.id))
		p = task_find(c->s, exec_id);
	if (!p) {
		if (exec_id && *exec_id)
			reply_errno(c, -ENOENT, "process %s of task %s: not found", exec_id, id);
		else
			reply_errno(c, -ENOENT, "task %s: not found", id ? id : "");
	}
	return p;
}

void proc_free(struct proc *p)
{
	free(p->exec_id);
	free(p->stdin_path);
	free(p->stdout_path);
	free(p->stderr_path);
	if (p->spec_path) {
		unlink(p->spec_path);
		free(p->spec_path);
	}
	while (p->waiters) {
		struct waiter *w = p->waiters;
		p->waiters = w->next;
		free(w);
	}
	free(p);
}

static void reply_wait(struct proc *p, struct shim_conn *conn, uint32_t stream_id)
{
	Google__Protobuf__Timestamp ts;
	task_timestamp(&p->exited_at, &ts);
	Containerd__Task__V2__WaitResponse r = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	r.exit_status = (uint32_t)p->exit_status;
	r.exited_at = &ts;
	server_reply(conn, stream_id, TTRPC_OK, NULL, &r.base);
}

/* A process ended: record, publish TaskExit, answer its Wait calls. */
static void proc_exited(struct shim *s, struct proc *p, int status)
{
	p->status = PROC_STOPPED;
	p->exit_status = status;
	clock_gettime(CLOCK_REALTIME, &p->exited_at);
	shim_log("%s%s%s exited with status %d", s->flags.id, p->exec_id ? " exec " : "",
		 p->exec_id ? p->exec_id : "", status);
	Google__Protobuf__Timestamp ts;
	task_timestamp(&p->exited_at, &ts);
	Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	ev.container_id = (char *)s->flags.id;
	ev.id = p->exec_id ? p->exec_id : (char *)s->flags.id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)status;
	ev.exited_at = &ts;
	events_publish(&s->flags, "/tasks/exit", "TaskExit", &ev.base);
	while (p->waiters) {
		struct waiter *w = p->waiters;
		p->waiters = w->next;
		if (server_conn_alive(s, w->conn))
			reply_wait(p, w->conn, w->stream_id);
		free(w);
	}
}

void task_on_init_exit(struct shim *s)
{
	struct proc *p = task_find(s, NULL);
	if (s->exit_fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->exit_fd, NULL);
		close(s->exit_fd);
		s->exit_fd = -1;
	}
	if (!p || p->status == PROC_STOPPED)
		return;
	struct kata_error err = {0};
	int status = 255;
	if (kata_container_exit_status(&s->ctx, s->flags.id, &status, &err) < 0)
		shim_log("%s", err.msg);
	if (p->tty)
		tty_relay_free(s, p); /* drains what the terminal still holds */
	oom_drain(s);
	proc_exited(s, p, status);
}

void task_on_child_exit(struct shim *s, pid_t pid, int wstatus)
{
	for (struct proc *p = s->procs; p; p = p->next) {
		if (!p->exec_id || p->pid != pid || p->status == PROC_STOPPED)
			continue;
		int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
		if (p->tty)
			tty_relay_free(s, p);
		proc_exited(s, p, status);
		return;
	}
	/* Otherwise the monitor, re-parented to us as subreaper: its exit fd reports it. */
}

void task_drop_conn(struct shim *s, struct shim_conn *c)
{
	for (struct proc *p = s->procs; p; p = p->next)
		for (struct waiter **w = &p->waiters; *w;) {
			if ((*w)->conn == c) {
				struct waiter *dead = *w;
				*w = dead->next;
				free(dead);
			} else {
				w = &(*w)->next;
			}
		}
}

static char *dup_or_null(const char *v)
{
	return v && *v ? strdup(v) : NULL;
}

static void publish_create(struct shim *s, const Containerd__Task__V2__CreateTaskRequest *r,
			   pid_t pid)
{
	Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;
	io.stdin = r->stdin;
	io.stdout = r->stdout;
	io.stderr = r->stderr;
	io.terminal = r->terminal;
	Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
	ev.container_id = r->id;
	ev.bundle = r->bundle;
	ev.n_rootfs = r->n_rootfs;
	ev.rootfs = r->rootfs;
	ev.io = &io;
	ev.pid = (uint32_t)pid;
	events_publish(&s->flags, "/tasks/create", "TaskCreate", &ev.base);
}

/* Boots the VM; the workload's stdio are containerd's fifos, or a pty relayed to them. */
static int create_container(struct shim *s, const Containerd__Task__V2__CreateTaskRequest *r,
			    struct proc *p, struct kata_error *err)
{
	struct kata_create_options opts = {.bundle = s->bundle};
	int fds[3] = {-1, -1, -1};
	int console_fd = -1;
	char dir[64], path[128];
	int rc;
	if (r->terminal) {
		rc = tty_console_socket(dir, sizeof(dir), path, sizeof(path), &console_fd);
		if (rc < 0)
			return kata_fail_errno(err, -rc, "console socket");
		opts.console_socket = path;
	} else {
		rc = stdio_open(r->stdin, r->stdout, r->stderr, fds);
		if (rc < 0) {
			snprintf(err->msg, sizeof(err->msg), "open the task's stdio fifos: %s",
				 strerror(-rc));
			return rc;
		}
		opts.stdio = fds;
	}
	rc = kata_container_create(&s->ctx, s->flags.id, &opts, err);
	stdio_close(fds); /* the monitor has its own copies */
	if (r->terminal) {
		if (rc >= 0)
			rc = tty_relay_start(s, p, console_fd, dir);
		else
			tty_relay_start(s, NULL, console_fd, dir); /* removes the socket */
		if (rc < 0 && !*err->msg)
			snprintf(err->msg, sizeof(err->msg), "terminal: %s", strerror(-rc));
	}
	return rc;
}

static void task_create(const struct call *c, const uint8_t *buf, size_t n)
{
	struct shim *s = c->s;
	Containerd__Task__V2__CreateTaskRequest *r =
	    containerd__task__v2__create_task_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "create: malformed request");
		return;
	}
	struct kata_error err = {0};
	struct proc *p = NULL;
	int rc = 0;
	if (strcmp(r->id, s->flags.id) != 0)
		rc = kata_fail(&err, EINVAL, "create: this shim serves task %s, not %s",
			       s->flags.id, r->id);
	else if (s->task_created)
		rc = kata_fail(&err, EEXIST, "task %s already exists", r->id);
	else if (*r->checkpoint)
		rc = kata_fail(&err, ENOTSUP, "create from a checkpoint is not supported by kata");
	if (rc < 0)
		goto out;
	snprintf(s->bundle, sizeof(s->bundle), "%s", r->bundle);
	if ((rc = rootfs_mount(s->bundle, (void *const *)r->rootfs, r->n_rootfs, err.msg,
			       sizeof(err.msg))) < 0)
		goto out;
	s->rootfs_mounted = r->n_rootfs > 0;
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = kata_fail(&err, ENOMEM, "out of memory");
		goto out;
	}
	p->terminal = r->terminal;
	p->stdin_path = dup_or_null(r->stdin);
	p->stdout_path = dup_or_null(r->stdout);
	p->stderr_path = dup_or_null(r->stderr);
	rc = create_container(s, r, p, &err);
	struct kata_state st = {0};
	if (rc >= 0 && (rc = kata_container_state(&s->ctx, s->flags.id, &st, &err)) >= 0) {
		p->pid = st.pid;
		kata_state_clear(&st);
		rc = kata_container_exit_fd(&s->ctx, s->flags.id, &s->exit_fd, &err);
	}
	if (rc >= 0) {
		static struct watch exit_w = {.kind = WATCH_EXIT};
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &exit_w};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->exit_fd, &ev) < 0)
			rc = kata_fail_errno(&err, errno, "epoll");
	}
	if (rc >= 0)
		rc = oom_watch_start(s, &err);
	if (rc < 0) {
		kata_container_delete(&s->ctx, s->flags.id, true, NULL);
		if (p->tty)
			tty_relay_free(s, p);
		proc_free(p);
		p = NULL;
		if (s->exit_fd >= 0)
			close(s->exit_fd);
		s->exit_fd = -1;
		oom_watch_stop(s);
		goto out;
	}
	p->status = PROC_CREATED;
	p->next = s->procs;
	s->procs = p;
	s->task_created = true;
	publish_create(s, r, p->pid);
	Containerd__Task__V2__CreateTaskResponse resp =
	    CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	reply_ok(c, &resp.base);
out:
	if (rc < 0) {
		if (s->rootfs_mounted || r->n_rootfs > 0)
			rootfs_unmount(s->bundle);
		s->rootfs_mounted = false;
		reply_errno(c, rc, "%s", err.msg);
	}
	containerd__task__v2__create_task_request__free_unpacked(r, NULL);
}

static void task_start(const struct call *c, const uint8_t *buf, size_t n)
{
	struct shim *s = c->s;
	Containerd__Task__V2__StartRequest *r =
	    containerd__task__v2__start_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "start: malformed request");
		return;
	}
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	struct kata_error err = {0};
	int rc = 0;
	if (!p)
		goto out;
	if (p->status != PROC_CREATED) {
		reply_errno(c, -EBUSY, "%s: cannot start a process that is not created",
			    p->exec_id ? p->exec_id : r->id);
		goto out;
	}
	if (p->exec_id) {
		rc = task_exec_start(c, p, &err);
	} else {
		rc = kata_container_start(&s->ctx, s->flags.id, &err);
		if (rc >= 0) {
			p->status = PROC_RUNNING;
			Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;
			ev.container_id = r->id;
			ev.pid = (uint32_t)p->pid;
			events_publish(&s->flags, "/tasks/start", "TaskStart", &ev.base);
		}
	}
	if (rc < 0) {
		reply_errno(c, rc, "%s", err.msg);
		goto out;
	}
	Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	reply_ok(c, &resp.base);
out:
	containerd__task__v2__start_request__free_unpacked(r, NULL);
}

static void task_state(const struct call *c, const uint8_t *buf, size_t n)
{
	struct shim *s = c->s;
	Containerd__Task__V2__StateRequest *r =
	    containerd__task__v2__state_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "state: malformed request");
		return;
	}
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	if (p) {
		Google__Protobuf__Timestamp ts;
		task_timestamp(&p->exited_at, &ts);
		Containerd__Task__V2__StateResponse resp =
		    CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
		resp.id = (char *)s->flags.id;
		resp.exec_id = p->exec_id ? p->exec_id : "";
		resp.bundle = s->bundle;
		resp.pid = (uint32_t)p->pid;
		resp.status = (Containerd__V1__Types__Status)p->status;
		resp.stdin = p->stdin_path ? p->stdin_path : "";
		resp.stdout = p->stdout_path ? p->stdout_path : "";
		resp.stderr = p->stderr_path ? p->stderr_path : "";
		resp.terminal = p->terminal;
		resp.exit_status = (uint32_t)p->exit_status;
		resp.exited_at = &ts;
		reply_ok(c, &resp.base);
	}
	containerd__task__v2__state_request__free_unpacked(r, NULL);
}

static void task_wait(const struct call *c, const uint8_t *buf, size_t n)
{
	Containerd__Task__V2__WaitRequest *r =
	    containerd__task__v2__wait_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "wait: malformed request");
		return;
	}
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	if (p && p->status == PROC_STOPPED) {
		reply_wait(p, c->conn, c->stream_id);
	} else if (p) {
		struct waiter *w = calloc(1, sizeof(*w));
		if (!w) {
			reply_errno(c, -ENOMEM, "out of memory");
		} else {
			*w = (struct waiter){
			    .next = p->waiters, .conn = c->conn, .stream_id = c->stream_id};
			p->waiters = w;
		}
	}
	containerd__task__v2__wait_request__free_unpacked(r, NULL);
}

static void delete_reply(const struct call *c, struct proc *p)
{
	Google__Protobuf__Timestamp ts;
	task_timestamp(&p->exited_at, &ts);
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	resp.exit_status = (uint32_t)p->exit_status;
	resp.exited_at = &ts;
	reply_ok(c, &resp.base);
}

static void unlink_proc(struct shim *s, struct proc *p)
{
	for (struct proc **i = &s->procs; *i; i = &(*i)->next)
		if (*i == p) {
			*i = p->next;
			break;
		}
	if (p->tty)
		tty_relay_free(s, p);
	proc_free(p);
}

static void task_delete(const struct call *c, const uint8_t *buf, size_t n)
{
	struct shim *s = c->s;
	Containerd__Task__V2__DeleteRequest *r =
	    containerd__task__v2__delete_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "delete: malformed request");
		return;
	}
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	if (!p)
		goto out;
	if (p->status == PROC_RUNNING || p->status == PROC_PAUSED) {
		reply_errno(c, -EBUSY, "%s: cannot delete a running process",
			    p->exec_id ? p->exec_id : r->id);
		goto out;
	}
	if (p->exec_id) {
		delete_reply(c, p);
		unlink_proc(s, p);
		goto out;
	}
	/* The init process: created (never started) or stopped. Its VM goes with it. */
	struct kata_error err = {0};
	if (kata_container_delete(&s->ctx, s->flags.id, true, &err) < 0 && err.status != ENOENT) {
		reply_errno(c, -err.status, "%s", err.msg);
		goto out;
	}
	if (p->status == PROC_CREATED)
		clock_gettime(CLOCK_REALTIME, &p->exited_at);
	if (s->rootfs_mounted)
		rootfs_unmount(s->bundle);
	s->rootfs_mounted = false;
	if (s->exit_fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->exit_fd, NULL);
		close(s->exit_fd);
		s->exit_fd = -1;
	}
	oom_watch_stop(s);
	Google__Protobuf__Timestamp ts;
	task_timestamp(&p->exited_at, &ts);
	Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
	ev.container_id = (char *)s->flags.id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)p->exit_status;
	ev.exited_at = &ts;
	events_publish(&s->flags, "/tasks/delete", "TaskDelete", &ev.base);
	delete_reply(c, p);
	while (s->procs)
		unlink_proc(s, s->procs);
	s->task_created = false;
out:
	containerd__task__v2__delete_request__free_unpacked(r, NULL);
}

static void task_unsupported(const struct call *c, const char *what)
{
	reply_errno(c, -ENOTSUP, "%s is not supported by the kata shim", what);
}

void task_dispatch(struct shim *s, struct shim_conn *conn, uint32_t stream_id, const char *method,
		   const uint8_t *payload, size_t len)
{
	struct call c = {.s = s, .conn = conn, .stream_id = stream_id};
	static const struct {
		const char *name;
		void (*fn)(const struct call *, const uint8_t *, size_t);
	} methods[] = {
	    {"Create", task_create},
	    {"Start", task_start},
	    {"State", task_state},
	    {"Wait", task_wait},
	    {"Delete", task_delete},
	    {"Kill", task_kill},
	    {"Exec", task_exec},
	    {"Pids", task_pids},
	    {"Pause", task_pause},
	    {"Resume", task_resume},
	    {"Update", task_update},
	    {"CloseIO", task_close_io},
	    {"ResizePty", task_resize_pty},
	    {"Connect", task_connect},
	    {"Shutdown", task_shutdown},
	    {"Stats", task_stats},
	};
	if (s->flags.debug)
		shim_log("call %s on stream %u", method, stream_id);
	for (size_t i = 0; i < sizeof(methods) / sizeof(*methods); i++)
		if (!strcmp(methods[i].name, method)) {
			methods[i].fn(&c, payload, len);
			return;
		}
	if (!strcmp(method, "Checkpoint"))
		task_unsupported(&c, "Checkpoint (CRIU cannot reach into the VM)");
	else
		reply_errno(&c, -ENOTSUP, "method %s is not implemented", method);
}
