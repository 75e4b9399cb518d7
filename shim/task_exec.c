/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exec: containerd adds a process (Exec, with the OCI process as JSON in an Any), then starts
 * it (Start with its exec id). libkata runs it in the VM and leaves a stand-in child of ours
 * that exits with the process's status, which SIGCHLD reports.
 */
#include "task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

static int write_spec(const char *path, const ProtobufCBinaryData *json)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, json->data, json->len);
	int rc = w == (ssize_t)json->len ? 0 : -EIO;
	close(fd);
	return rc;
}

static char *dup_or_null(const char *v)
{
	return v && *v ? strdup(v) : NULL;
}

void task_exec(const struct call *c, const uint8_t *buf, size_t n)
{
	struct shim *s = c->s;
	Containerd__Task__V2__ExecProcessRequest *r =
	    containerd__task__v2__exec_process_request__unpack(NULL, n, buf);
	if (!r) {
		reply_errno(c, -EINVAL, "exec: malformed request");
		return;
	}
	struct kata_error err = {0};
	struct proc *init = task_lookup(c, r->id, NULL);
	struct proc *p = NULL;
	if (!init)
		goto out;
	if (init->status != PROC_RUNNING) {
		reply_errno(c, -EINVAL, "exec in task %s: the task is not running", r->id);
		goto out;
	}
	if (kata_id_validate(r->exec_id, &err) < 0) {
		reply_errno(c, -EINVAL, "exec id: %s", err.msg);
		goto out;
	}
	if (task_find(s, r->exec_id)) {
		reply_errno(c, -EEXIST, "exec %s already exists in task %s", r->exec_id, r->id);
		goto out;
	}
	if (!r->spec || r->spec->value.len == 0) {
		reply_errno(c, -EINVAL, "exec %s: no process given", r->exec_id);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/kata-exec-%s.json", s->bundle, r->exec_id);
	if (!p || !(p->exec_id = strdup(r->exec_id)) || !(p->spec_path = strdup(path))) {
		if (p)
			proc_free(p);
		reply_errno(c, -ENOMEM, "out of memory");
		goto out;
	}
	int rc = write_spec(path, &r->spec->value);
	if (rc < 0) {
		proc_free(p);
		reply_errno(c, rc, "exec %s: write %s: %s", r->exec_id, path, strerror(-rc));
		goto out;
	}
	p->status = PROC_CREATED;
	p->terminal = r->terminal;
	p->stdin_path = dup_or_null(r->stdin);
	p->stdout_path = dup_or_null(r->stdout);
	p->stderr_path = dup_or_null(r->stderr);
	p->next = s->procs;
	s->procs = p;
	Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
	ev.container_id = r->id;
	ev.exec_id = r->exec_id;
	events_publish(&s->flags, "/tasks/exec-added", "TaskExecAdded", &ev.base);
	reply_empty(c);
out:
	containerd__task__v2__exec_process_request__free_unpacked(r, NULL);
}

int task_exec_start(const struct call *c, struct proc *p, struct kata_error *err)
{
	struct shim *s = c->s;
	struct kata_exec_options opts = {.process_path = p->spec_path, .tty = p->terminal};
	int fds[3] = {-1, -1, -1};
	int console_fd = -1;
	char dir[64], path[128];
	int rc;
	if (p->terminal) {
		rc = tty_console_socket(dir, sizeof(dir), path, sizeof(path), &console_fd);
		if (rc < 0)
			return kata_fail_errno(err, -rc, "console socket");
		opts.console_socket = path;
	} else {
		rc = stdio_open(p->stdin_path, p->stdout_path, p->stderr_path, fds);
		if (rc < 0)
			return kata_fail_errno(err, -rc, "open the stdio fifos of exec %s",
					       p->exec_id);
		opts.stdio = fds;
	}
	pid_t pid = 0;
	rc = kata_container_exec_start(&s->ctx, s->flags.id, &opts, &pid, err);
	stdio_close(fds);
	if (p->terminal) {
		if (rc >= 0)
			rc = tty_relay_start(s, p, console_fd, dir);
		else
			tty_relay_start(s, NULL, console_fd, dir);
		if (rc < 0 && !*err->msg)
			kata_fail_errno(err, -rc, "exec %s: terminal", p->exec_id);
	}
	if (rc < 0)
		return rc;
	p->pid = pid;
	p->status = PROC_RUNNING;
	Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;
	ev.container_id = (char *)s->flags.id;
	ev.exec_id = p->exec_id;
	ev.pid = (uint32_t)pid;
	events_publish(&s->flags, "/tasks/exec-started", "TaskExecStarted", &ev.base);
	return 0;
}
