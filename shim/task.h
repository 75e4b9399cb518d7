/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the Task service's files: task.c (lifecycle), task_ops.c, task_exec.c. */
#ifndef KATA_SHIM_TASK_H
#define KATA_SHIM_TASK_H

#include "containerd/events/task.pb-c.h"
#include "containerd/task/shim.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "shim.h"
#include "ttrpc.h"

/* One call being served. */
struct call {
	struct shim *s;
	struct shim_conn *conn;
	uint32_t stream_id;
};

/* Replies with an error: the gRPC code that matches the negative errno, and msg. */
void reply_errno(const struct call *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void reply_ok(const struct call *c, const ProtobufCMessage *msg);
void reply_empty(const struct call *c);

/* The process a request names (exec_id empty: the init process), or NULL after replying
 * NotFound. */
struct proc *task_lookup(const struct call *c, const char *id, const char *exec_id);

void task_timestamp(const struct timespec *t, Google__Protobuf__Timestamp *ret);

void task_exec(const struct call *c, const uint8_t *p, size_t n);
int task_exec_start(const struct call *c, struct proc *p, struct kata_error *err);
void task_kill(const struct call *c, const uint8_t *p, size_t n);
void task_stats(const struct call *c, const uint8_t *p, size_t n);
void task_pids(const struct call *c, const uint8_t *p, size_t n);
void task_pause(const struct call *c, const uint8_t *p, size_t n);
void task_resume(const struct call *c, const uint8_t *p, size_t n);
void task_update(const struct call *c, const uint8_t *p, size_t n);
void task_close_io(const struct call *c, const uint8_t *p, size_t n);
void task_resize_pty(const struct call *c, const uint8_t *p, size_t n);
void task_connect(const struct call *c, const uint8_t *p, size_t n);
void task_shutdown(const struct call *c, const uint8_t *p, size_t n);

void proc_free(struct proc *p);

#endif
