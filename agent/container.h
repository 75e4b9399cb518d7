/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers known to the agent: their init process, exec'd processes and lifecycle
 * (creating -> created -> starting -> running -> stopped). Replies that wait for a child
 * (create, start, exec, remove) are deferred and sent from the process callbacks.
 */
#ifndef AGENT_CONTAINER_H
#define AGENT_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "agent.pb-c.h"
#include "loop.h"
#include "process.h"
#include "rpc.h"

enum container_state { CTR_CREATING, CTR_CREATED, CTR_STARTING, CTR_RUNNING, CTR_STOPPED };

struct remove_op {
	struct remove_op *next;
	struct rpc_call call;
	struct timer timer;
	struct container *ctr;
};

struct container {
	struct container *next;
	char *id;
	enum container_state state;
	Grpc__CreateContainerRequest *req; /* owns the spec, kept for exec'd processes */
	struct process *init;
	struct process *execs;
	char *cgroup; /* its cgroup v2, relative to the guest's cgroup root */
	bool own_pidns;
	dev_t pidns_dev;
	ino_t pidns_ino;
	struct rpc_call create_call, start_call;
	struct remove_op *removes;
};

struct container *container_find(const char *id);

/* Takes ownership of req; replies when the init reported ready (or failed). */
void container_create(const struct rpc_call *call, Grpc__CreateContainerRequest *req);
void container_start(const struct rpc_call *call, struct container *c);
void container_remove(const struct rpc_call *call, struct container *c, unsigned timeout_s);
void container_exec(const struct rpc_call *call, struct container *c,
		    const Grpc__ExecProcessRequest *req);

/* The process exec_id names: "" or the container id or the init's exec id is the init. */
struct process *container_process(struct container *c, const char *exec_id);

/* Signals one process, or with exec_id "" every process of the container. */
int container_signal(struct container *c, const char *exec_id, int sig, struct kata_error *err);

/* From the reaper: a child exited. */
void containers_child_exited(pid_t pid, int wstatus);

void containers_drop_stale_requests(unsigned generation);

/* SIGKILLs everything, reaps for up to timeout_ms, and forgets every container. */
void containers_destroy_all(unsigned timeout_ms);

#endif
