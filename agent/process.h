/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process the agent runs for the host (a container's init or an exec'd process): its
 * clone, the handshake with the child (setup done, started, exec'd), stdio and exit status.
 */
#ifndef AGENT_PROCESS_H
#define AGENT_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "loop.h"
#include "oci.pb-c.h"
#include "rpc.h"
#include "stream.h"

enum process_phase {
	PROC_SETTING_UP, /* cloned, child setting up */
	PROC_READY,	 /* child waits for the start byte */
	PROC_EXECING,	 /* start byte sent, waiting for exec (EOF on the exec pipe) */
	PROC_RUNNING,	 /* exec'd */
	PROC_FAILED,	 /* setup or exec failed */
};

struct process;

/* What the owner (the container) learns about its process. */
struct process_events {
	/* Setup finished: code TTRPC_OK, or an error status and message. */
	void (*ready)(struct process *p, int code, const char *msg);
	/* After process_start: code TTRPC_OK once exec'd, or the exec error. */
	void (*execed)(struct process *p, int code, const char *msg);
	/* The process was reaped. */
	void (*exited)(struct process *p);
};

struct wait_op {
	struct wait_op *next;
	struct rpc_call call;
};

struct process {
	struct process *next;
	void *owner;
	char *exec_id;
	pid_t pid;
	enum process_phase phase;
	bool exited;
	int status; /* exit code, or 128 + signal */
	bool terminal;
	struct out_stream out, err;
	struct in_stream in;
	struct watch sync_w, exec_w;
	int start_fd;
	/* A container init's staging directory (container_stage_sources) until its setup ends:
	 * removing it earlier would also take it from the child's mount namespace. */
	char *stage_dir;
	struct wait_op *waits;
	struct rpc_call call; /* the ExecProcess request waiting for the exec */
	const struct process_events *ev;
};

struct spawn_options {
	const Grpc__Spec *spec;	      /* the container's spec (mounts, seccomp, hostname) */
	const Grpc__Process *process; /* what to run */
	int clone_flags;	      /* CLONE_NEW* to create (container init) */
	bool setup_rootfs;	      /* container init: mounts and pivot_root */
	pid_t join_pid;		      /* exec: run in the namespaces of this process */
	const char *cgroup;	      /* born in this cgroup (cgroup.h path), or NULL */
};

struct process *process_new(void *owner, const char *exec_id, const struct process_events *ev);

/* Clones the child; the outcome of its setup arrives through ev->ready. */
int process_spawn(struct process *p, const struct spawn_options *o, struct kata_error *err);

/* Lets a READY child exec; the outcome arrives through ev->execed. */
int process_start(struct process *p);

/* Records a reaped child's wait status and answers WaitProcess requests. */
void process_exited(struct process *p, int wstatus);

/* Answers now if the process has exited, else when it does. */
void process_wait(struct process *p, const struct rpc_call *call);

/* Forgets requests from earlier host connections. */
void process_drop_stale(struct process *p, unsigned generation);

/* Closes the fds and fails pending requests with why; the process must be dead or killed. */
void process_free(struct process *p, const char *why);

/* 0-255 for an exit, 128 + signal for a kill. */
int process_encode_status(int wstatus);

#endif
