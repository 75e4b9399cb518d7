/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every RPC handler sees: the call to answer (now, or later for deferred requests) and
 * the reply helpers. A reply is dropped when the host connection it belongs to has gone.
 */
#ifndef AGENT_RPC_H
#define AGENT_RPC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "ttrpc.h"

struct rpc_call {
	uint32_t stream_id;
	unsigned generation;
};

typedef void (*rpc_handler)(const struct rpc_call *call, const uint8_t *data, size_t len);

struct rpc_method {
	const char *name;
	rpc_handler fn;
};

/* Sends a successful reply carrying msg (NULL: google.protobuf.Empty). */
void rpc_reply_ok(const struct rpc_call *call, const ProtobufCMessage *msg);

/* Sends an error status. */
void rpc_reply_error(const struct rpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True while the connection the call came on is still the current one. */
int rpc_call_alive(const struct rpc_call *call);

/* grpc.AgentService handlers, by file. */
void rpc_create_sandbox(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_destroy_sandbox(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_create_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_start_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_remove_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_exec_process(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_signal_process(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_wait_process(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_write_stdin(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_read_stdout(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_read_stderr(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_close_stdin(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_tty_win_resize(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_update_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_stats_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_pause_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_resume_container(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_list_processes(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_update_interface(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_update_routes(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_get_oom_event(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_set_guest_date_time(const struct rpc_call *call, const uint8_t *data, size_t len);
void rpc_reseed_random_dev(const struct rpc_call *call, const uint8_t *data, size_t len);

/*
 * The guest-wide syscalls of rpc_guest.c behind pointers, so that the host-side unit test can
 * swap them and never set the host's clock or feed its RNG. Both return 0 or -errno.
 * rpc_guest_random_ioctl issues one ioctl on /dev/random.
 */
extern int (*rpc_guest_clock_settime)(clockid_t clock, const struct timespec *ts);
extern int (*rpc_guest_random_ioctl)(unsigned long request, const void *arg);

/* Method tables of the two services. */
extern const struct rpc_method health_methods[];
extern const struct rpc_method agent_methods[];

/* Unpacks a request of the given protobuf-c type or replies INVALID_ARGUMENT and returns. */
#define RPC_UNPACK(var, type, prefix, call, data, len)                                             \
	type *var = prefix##__unpack(NULL, (len), (data));                                         \
	if (!var) {                                                                                \
		rpc_reply_error((call), TTRPC_INVALID_ARGUMENT, "cannot decode " #type);           \
		return;                                                                            \
	}

#endif
