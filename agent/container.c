/* SPDX-License-Identifier: Apache-2.0 */
#include "container.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "oom.h"
#include "log.h"
#include "namespaces.h"
#include "storage.h"

static struct container *containers;

static void init_ready(struct process *p, int code, const char *msg);
static void init_execed(struct process *p, int code, const char *msg);
static void init_exited(struct process *p);
static void exec_ready(struct process *p, int code, const char *msg);
static void exec_execed(struct process *p, int code, const char *msg);

static const struct process_events init_events = {init_ready, init_execed, init_exited};
static const struct process_events exec_events = {exec_ready, exec_execed, NULL};

struct container *container_find(const char *id)
{
	for (struct container *c = containers; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

static void remove_op_free(struct remove_op *r)
{
	timer_destroy(&r->timer);
	free(r);
}

/* Unlinks and frees c; its processes must be dead or killed (they are reaped anonymously). */
static void container_forget(struct container *c)
{
	char why[300];
	snprintf(why, sizeof(why), "container %s was removed", c->id);
	for (struct container **pp = &containers; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	process_free(c->init, why);
	while (c->execs) {
		struct process *p = c->execs;
		c->execs = p->next;
		process_free(p, why);
	}
	while (c->removes) {
		struct remove_op *r = c->removes;
		c->removes = r->next;
		rpc_reply_error(&r->call, TTRPC_NOT_FOUND, "%s", why);
		remove_op_free(r);
	}
	storages_unmount_owner(c->id);
	oom_unwatch(c->id);
	if (c->cgroup)
		cgroup_destroy(c->cgroup);
	free(c->cgroup);
	log_debug("container %s forgotten", c->id);
	grpc__create_container_request__free_unpacked(c->req, NULL);
	free(c->id);
	free(c);
}

static void kill_process(struct process *p, int sig)
{
	if (p && p->pid > 0 && !p->exited && kill(p->pid, sig) < 0 && errno != ESRCH)
		log_warn("kill %d: %s", p->pid, strerror(errno));
}

static int validate_create(const Grpc__CreateContainerRequest *req, struct kata_error *err)
{
	const Grpc__Spec *spec = req->oci;
	if (!req->container_id || !*req->container_id)
		return kata_fail(err, EINVAL, "container_id is empty");
	if (strchr(req->container_id, '/'))
		return kata_fail(err, EINVAL, "container id \"%s\" contains '/'",
				 req->container_id);
	if (!spec || !spec->process || !spec->root)
		return kata_fail(err, EINVAL, "the OCI spec needs process and root");
	if (spec->process->n_args == 0)
		return kata_fail(err, EINVAL, "process.args is empty");
	if (req->n_devices)
		return kata_fail(err, ENOTSUP, "hot-plugged devices are not supported yet");
	if (req->sandbox_pidns)
		return kata_fail(err, ENOTSUP, "a sandbox-wide pid namespace is not supported");
	if (req->string_user && req->string_user->uid && *req->string_user->uid)
		return kata_fail(err, ENOTSUP, "string_user is not supported: use process.user");
	if (spec->hooks &&
	    (spec->hooks->n_prestart || spec->hooks->n_poststart || spec->hooks->n_poststop))
		log_info("container %s: OCI hooks are run by the host runtime, not in the guest",
			 req->container_id);
	return 0;
}

void container_create(const struct rpc_call *call, Grpc__CreateContainerRequest *req)
{
	struct kata_error err = {0};
	if (validate_create(req, &err) < 0)
		goto fail;
	if (container_find(req->container_id)) {
		kata_fail(&err, EEXIST, "container %s already exists", req->container_id);
		goto fail;
	}
	int flags = namespaces_clone_flags(req->oci->linux, &err);
	if (flags < 0)
		goto fail;
	for (size_t i = 0; i < req->n_storages; i++)
		if (storage_mount(req->storages[i], req->container_id, &err) < 0)
			goto fail_storages;

	struct container *c = calloc(1, sizeof(*c));
	if (!c || !(c->id = strdup(req->container_id)) ||
	    !(c->init =
		  process_new(c, *req->exec_id ? req->exec_id : req->container_id, &init_events))) {
		if (c)
			free(c->id);
		free(c);
		kata_fail(&err, ENOMEM, "out of memory");
		goto fail_storages;
	}
	c->req = req;
	const Grpc__Linux *lx = req->oci->linux;
	if (cgroup_resolve(c->id, lx ? lx->cgroupspath : NULL, &c->cgroup, &err) < 0 ||
	    cgroup_create(c->cgroup, &err) < 0 ||
	    cgroup_apply(c->cgroup, lx ? lx->resources : NULL, &err) < 0 ||
	    cgroup_apply_devices(c->cgroup, lx ? lx->resources : NULL, lx, &err) < 0) {
		rpc_reply_error(call, ttrpc_code_from_errno(-err.status), "create container %s: %s",
				c->id, err.msg);
		c->next = containers;
		containers = c;
		container_forget(c);
		return;
	}
	oom_watch(c->id, c->cgroup);
	c->own_pidns = (flags & CLONE_NEWPID) != 0;
	c->create_call = *call;
	c->state = CTR_CREATING;
	c->next = containers;
	containers = c;

	struct spawn_options o = {.spec = req->oci,
				  .process = req->oci->process,
				  .clone_flags = flags,
				  .setup_rootfs = true,
				  .cgroup = c->cgroup};
	if (process_spawn(c->init, &o, &err) < 0) {
		rpc_reply_error(call, ttrpc_code_from_errno(-err.status), "create container %s: %s",
				c->id, err.msg);
		container_forget(c);
	}
	return;

fail_storages:
	storages_unmount_owner(req->container_id);
fail:
	rpc_reply_error(call, ttrpc_code_from_errno(-err.status), "%s", err.msg);
	grpc__create_container_request__free_unpacked(req, NULL);
}

static void init_ready(struct process *p, int code, const char *msg)
{
	struct container *c = p->owner;
	if (code != TTRPC_OK) {
		rpc_reply_error(&c->create_call, code, "create container %s: %s", c->id, msg);
		kill_process(p, SIGKILL);
		container_forget(c);
		return;
	}
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", p->pid);
	if (stat(path, &st) == 0) {
		c->pidns_dev = st.st_dev;
		c->pidns_ino = st.st_ino;
	}
	c->state = CTR_CREATED;
	log_info("container %s created (pid %d)", c->id, p->pid);
	rpc_reply_ok(&c->create_call, NULL);
}

void container_start(const struct rpc_call *call, struct container *c)
{
	if (c->state != CTR_CREATED) {
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION,
				"container %s cannot be started: it is %s", c->id,
				c->state == CTR_CREATING  ? "being created"
				: c->state == CTR_STOPPED ? "stopped"
							  : "already started");
		return;
	}
	if (c->init->exited) {
		c->state = CTR_STOPPED;
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION,
				"container %s cannot be started: its process was killed", c->id);
		return;
	}
	int rc = process_start(c->init);
	if (rc < 0) {
		rpc_reply_error(call, TTRPC_INTERNAL, "start container %s: %s", c->id,
				strerror(-rc));
		return;
	}
	c->state = CTR_STARTING;
	c->start_call = *call;
}

static void init_execed(struct process *p, int code, const char *msg)
{
	struct container *c = p->owner;
	if (code != TTRPC_OK) {
		c->state = CTR_STOPPED;
		rpc_reply_error(&c->start_call, code, "start container %s: %s", c->id, msg);
		return;
	}
	/* A quick process may already have been reaped before its exec was confirmed. */
	if (c->state == CTR_STARTING)
		c->state = p->exited ? CTR_STOPPED : CTR_RUNNING;
	log_info("container %s started", c->id);
	rpc_reply_ok(&c->start_call, NULL);
}

static void init_exited(struct process *p)
{
	struct container *c = p->owner;
	/* A start in flight still gets its answer from the exec pipe. */
	if (c->state != CTR_CREATING && c->state != CTR_STARTING)
		c->state = CTR_STOPPED;
	if (!c->removes)
		return;
	while (c->removes) {
		struct remove_op *r = c->removes;
		c->removes = r->next;
		rpc_reply_ok(&r->call, NULL);
		remove_op_free(r);
	}
	container_forget(c);
}

static void remove_timed_out(struct timer *t)
{
	struct remove_op *r = (struct remove_op *)((char *)t - offsetof(struct remove_op, timer));
	struct container *c = r->ctr;
	for (struct remove_op **pp = &c->removes; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	rpc_reply_error(&r->call, TTRPC_DEADLINE_EXCEEDED,
			"container %s: its processes did not exit in time", c->id);
	remove_op_free(r);
}

void container_remove(const struct rpc_call *call, struct container *c, unsigned timeout_s)
{
	if (c->state == CTR_CREATING || c->state == CTR_STARTING) {
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION, "container %s is being %s", c->id,
				c->state == CTR_CREATING ? "created" : "started");
		return;
	}
	container_signal(c, "", SIGKILL, NULL);
	if (c->init->exited) {
		rpc_reply_ok(call, NULL);
		container_forget(c);
		return;
	}
	struct remove_op *r = calloc(1, sizeof(*r));
	if (!r || timer_init(&r->timer, remove_timed_out) < 0) {
		free(r);
		rpc_reply_error(call, TTRPC_INTERNAL, "remove container %s: out of resources",
				c->id);
		return;
	}
	r->call = *call;
	r->ctr = c;
	if (timeout_s)
		timer_arm(&r->timer, timeout_s * 1000, 0);
	r->next = c->removes;
	c->removes = r;
}

void container_exec(const struct rpc_call *call, struct container *c,
		    const Grpc__ExecProcessRequest *req)
{
	struct kata_error err = {0};
	if (!req->exec_id || !*req->exec_id || !req->process || req->process->n_args == 0) {
		rpc_reply_error(call, TTRPC_INVALID_ARGUMENT,
				"exec needs an exec_id and process.args");
		return;
	}
	if (container_process(c, req->exec_id)) {
		rpc_reply_error(call, TTRPC_ALREADY_EXISTS, "process %s already exists in %s",
				req->exec_id, c->id);
		return;
	}
	if (c->state != CTR_RUNNING || c->init->exited) {
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION, "container %s is not running",
				c->id);
		return;
	}
	struct process *p = process_new(c, req->exec_id, &exec_events);
	if (!p) {
		rpc_reply_error(call, TTRPC_INTERNAL, "exec: out of memory");
		return;
	}
	struct spawn_options o = {.spec = c->req->oci,
				  .process = req->process,
				  .join_pid = c->init->pid,
				  .cgroup = c->cgroup};
	if (process_spawn(p, &o, &err) < 0) {
		rpc_reply_error(call, ttrpc_code_from_errno(-err.status), "exec in %s: %s", c->id,
				err.msg);
		process_free(p, "exec failed");
		return;
	}
	p->next = c->execs;
	c->execs = p;
	p->call = *call;
}

static void exec_failed(struct process *p, int code, const char *msg)
{
	struct container *c = p->owner;
	rpc_reply_error(&p->call, code, "exec %s in %s: %s", p->exec_id, c->id, msg);
	kill_process(p, SIGKILL);
	for (struct process **pp = &c->execs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	process_free(p, "exec failed");
}

static void exec_ready(struct process *p, int code, const char *msg)
{
	int rc = code == TTRPC_OK ? process_start(p) : 0;
	if (code != TTRPC_OK || rc < 0)
		exec_failed(p, code != TTRPC_OK ? code : TTRPC_INTERNAL,
			    code != TTRPC_OK ? msg : strerror(-rc));
}

static void exec_execed(struct process *p, int code, const char *msg)
{
	if (code != TTRPC_OK) {
		exec_failed(p, code, msg);
		return;
	}
	rpc_reply_ok(&p->call, NULL);
}

void containers_child_exited(pid_t pid, int wstatus)
{
	for (struct container *c = containers; c; c = c->next) {
		if (c->init->pid == pid && !c->init->exited) {
			oom_check(c->id);
			process_exited(c->init, wstatus);
			return;
		}
		for (struct process *p = c->execs; p; p = p->next)
			if (p->pid == pid && !p->exited) {
				oom_check(c->id);
				process_exited(p, wstatus);
				return;
			}
	}
	log_debug("reaped pid %d (status %d)", pid, process_encode_status(wstatus));
}

void containers_drop_stale_requests(unsigned generation)
{
	for (struct container *c = containers; c; c = c->next) {
		process_drop_stale(c->init, generation);
		for (struct process *p = c->execs; p; p = p->next)
			process_drop_stale(p, generation);
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool all_inits_exited(void)
{
	for (struct container *c = containers; c; c = c->next)
		if (!c->init->exited)
			return false;
	return true;
}

void containers_destroy_all(unsigned timeout_ms)
{
	for (struct container *c = containers; c; c = c->next)
		container_signal(c, "", SIGKILL, NULL);
	/* Reaping inline is fine here: the VM is about to power off. */
	long deadline = now_ms() + timeout_ms;
	while (!all_inits_exited() && now_ms() < deadline) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0)
			containers_child_exited(pid, st);
		else if (pid == 0)
			usleep(5000);
		else
			break;
	}
	while (containers) {
		if (!containers->init->exited)
			log_warn("container %s: init did not exit in time", containers->id);
		container_forget(containers);
	}
}
