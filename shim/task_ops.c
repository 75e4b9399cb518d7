/* SPDX-License-Identifier: Apache-2.0 */
/* containerd.task.v2.Task: the calls on a live task (Kill, Pids, Pause, Resume, Update,
 * CloseIO, ResizePty) and the shim's own (Connect, Shutdown). */
#include "task.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define UNPACK(type, fn, var, c, buf, n, what)                                                     \
	type *var = fn##__unpack(NULL, n, buf);                                                    \
	if (!var) {                                                                                \
		reply_errno(c, -EINVAL, "%s: malformed request", what);                            \
		return;                                                                            \
	}

static int kill_exec(const struct call *c, struct proc *p, int sig)
{
	if (p->status != PROC_RUNNING) {
		reply_errno(c, -ESRCH, "process %s: process already finished", p->exec_id);
		return -ESRCH;
	}
	struct kata_error err = {0};
	if (kata_exec_signal(p->pid, sig, &err) < 0) {
		reply_errno(c, -err.status, "exec %s: %s", p->exec_id, err.msg);
		return -err.status;
	}
	return 0;
}

void task_kill(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__KillRequest, containerd__task__v2__kill_request, r, c, buf, n,
	       "kill");
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	struct kata_error err = {0};
	if (!p)
		goto out;
	if (p->exec_id) {
		if (kill_exec(c, p, (int)r->signal) == 0)
			reply_empty(c);
		goto out;
	}
	if (p->status == PROC_STOPPED) {
		reply_errno(c, -ESRCH, "task %s: process already finished", r->id);
		goto out;
	}
	if (kata_container_kill(&c->s->ctx, r->id, (int)r->signal, r->all, &err) < 0)
		reply_errno(c, -err.status, "%s", err.msg);
	else
		reply_empty(c);
out:
	containerd__task__v2__kill_request__free_unpacked(r, NULL);
}

/* kata_container_ps's "json" format is a flat array of pids. */
static size_t parse_pids(const char *json, uint32_t *pids, size_t max)
{
	size_t n = 0;
	for (const char *q = json; *q && n < max;) {
		if (*q >= '0' && *q <= '9') {
			char *end;
			pids[n++] = (uint32_t)strtoul(q, &end, 10);
			q = end;
		} else {
			q++;
		}
	}
	return n;
}

void task_pids(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__PidsRequest, containerd__task__v2__pids_request, r, c, buf, n,
	       "pids");
	struct kata_error err = {0};
	cleanup_free char *json = NULL;
	if (!task_lookup(c, r->id, NULL))
		goto out;
	if (kata_container_ps(&c->s->ctx, r->id, "json", &json, &err) < 0) {
		reply_errno(c, -err.status, "%s", err.msg);
		goto out;
	}
	static uint32_t pids[4096];
	size_t np = parse_pids(json, pids, sizeof(pids) / sizeof(*pids));
	Containerd__V1__Types__ProcessInfo *infos = calloc(np ? np : 1, sizeof(*infos));
	Containerd__V1__Types__ProcessInfo **ptrs = calloc(np ? np : 1, sizeof(*ptrs));
	if (!infos || !ptrs) {
		free(infos);
		free(ptrs);
		reply_errno(c, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		containerd__v1__types__process_info__init(&infos[i]);
		infos[i].pid = pids[i]; /* pids of the guest's pid namespace */
		ptrs[i] = &infos[i];
	}
	Containerd__Task__V2__PidsResponse resp = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
	resp.n_processes = np;
	resp.processes = ptrs;
	reply_ok(c, &resp.base);
	free(infos);
	free(ptrs);
out:
	containerd__task__v2__pids_request__free_unpacked(r, NULL);
}

static void pause_resume(const struct call *c, const char *id, bool pause)
{
	struct shim *s = c->s;
	struct kata_error err = {0};
	struct proc *p = task_lookup(c, id, NULL);
	if (!p)
		return;
	int rc = pause ? kata_container_pause(&s->ctx, id, &err)
		       : kata_container_resume(&s->ctx, id, &err);
	if (rc < 0) {
		reply_errno(c, rc, "%s", err.msg);
		return;
	}
	p->status = pause ? PROC_PAUSED : PROC_RUNNING;
	if (pause) {
		Containerd__Events__TaskPaused ev = CONTAINERD__EVENTS__TASK_PAUSED__INIT;
		ev.container_id = (char *)id;
		events_publish(&s->flags, "/tasks/paused", "TaskPaused", &ev.base);
	} else {
		Containerd__Events__TaskResumed ev = CONTAINERD__EVENTS__TASK_RESUMED__INIT;
		ev.container_id = (char *)id;
		events_publish(&s->flags, "/tasks/resumed", "TaskResumed", &ev.base);
	}
	reply_empty(c);
}

void task_pause(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__PauseRequest, containerd__task__v2__pause_request, r, c, buf,
	       n, "pause");
	pause_resume(c, r->id, true);
	containerd__task__v2__pause_request__free_unpacked(r, NULL);
}

void task_resume(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__ResumeRequest, containerd__task__v2__resume_request, r, c, buf,
	       n, "resume");
	pause_resume(c, r->id, false);
	containerd__task__v2__resume_request__free_unpacked(r, NULL);
}

/* The resources arrive as an Any holding the OCI LinuxResources as JSON, which is what
 * kata_container_update reads from a file. */
void task_update(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__UpdateTaskRequest, containerd__task__v2__update_task_request,
	       r, c, buf, n, "update");
	struct kata_error err = {0};
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/kata-update-resources.json", c->s->bundle);
	if (!task_lookup(c, r->id, NULL))
		goto out;
	if (!r->resources || r->resources->value.len == 0) {
		reply_errno(c, -EINVAL, "update: no resources given");
		goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, r->resources->value.data, r->resources->value.len) !=
			  (ssize_t)r->resources->value.len) {
		reply_errno(c, -EIO, "update: write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	struct kata_update_options opts = {.resources_path = path};
	if (kata_container_update(&c->s->ctx, r->id, &opts, &err) < 0)
		reply_errno(c, -err.status, "%s", err.msg);
	else
		reply_empty(c);
	unlink(path);
out:
	containerd__task__v2__update_task_request__free_unpacked(r, NULL);
}

/*
 * Without a terminal the monitor reads containerd's stdin fifo itself: the process sees EOF
 * once every writer of the fifo has closed it, and containerd closes its end before CloseIO.
 * With a terminal the shim relays stdin and stops here.
 */
void task_close_io(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__CloseIORequest, containerd__task__v2__close_iorequest, r, c,
	       buf, n, "closeio");
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	if (p) {
		if (r->stdin && p->tty)
			tty_close_stdin(p);
		reply_empty(c);
	}
	containerd__task__v2__close_iorequest__free_unpacked(r, NULL);
}

void task_resize_pty(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__ResizePtyRequest, containerd__task__v2__resize_pty_request, r,
	       c, buf, n, "resizepty");
	struct proc *p = task_lookup(c, r->id, r->exec_id);
	if (!p)
		goto out;
	if (!p->tty)
		reply_errno(c, -EINVAL, "resize: the process has no terminal");
	else if (tty_resize(p, r->width, r->height) < 0)
		reply_errno(c, -errno, "resize: %s", strerror(errno));
	else
		reply_empty(c);
out:
	containerd__task__v2__resize_pty_request__free_unpacked(r, NULL);
}

void task_connect(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__ConnectRequest, containerd__task__v2__connect_request, r, c,
	       buf, n, "connect");
	struct proc *p = task_find(c->s, NULL);
	Containerd__Task__V2__ConnectResponse resp = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = p ? (uint32_t)p->pid : 0;
	resp.version = (char *)kata_version();
	reply_ok(c, &resp.base);
	containerd__task__v2__connect_request__free_unpacked(r, NULL);
}

/* containerd asks after Delete; a task still alive keeps the shim unless `now`. */
void task_shutdown(const struct call *c, const uint8_t *buf, size_t n)
{
	UNPACK(Containerd__Task__V2__ShutdownRequest, containerd__task__v2__shutdown_request, r, c,
	       buf, n, "shutdown");
	bool now = r->now;
	containerd__task__v2__shutdown_request__free_unpacked(r, NULL);
	if (c->s->task_created && !now) {
		reply_empty(c);
		return;
	}
	reply_empty(c);
	c->s->shutdown = true;
}
