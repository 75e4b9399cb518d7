/* SPDX-License-Identifier: Apache-2.0 */
/* grpc.AgentService: container lifecycle and process control requests. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "agent.pb-c.h"
#include "container.h"
#include "rpc.h"

/* Replies NOT_FOUND and returns NULL when there is no such container. */
static struct container *lookup(const struct rpc_call *call, const char *id)
{
	struct container *c = container_find(id ? id : "");
	if (!c)
		rpc_reply_error(call, TTRPC_NOT_FOUND, "container %s not found", id ? id : "");
	return c;
}

void rpc_create_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__CreateContainerRequest, grpc__create_container_request, call, data,
		   len);
	container_create(call, req); /* owns req from here */
}

void rpc_start_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__StartContainerRequest, grpc__start_container_request, call, data,
		   len);
	struct container *c = lookup(call, req->container_id);
	if (c)
		container_start(call, c);
	grpc__start_container_request__free_unpacked(req, NULL);
}

void rpc_remove_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__RemoveContainerRequest, grpc__remove_container_request, call, data,
		   len);
	struct container *c = lookup(call, req->container_id);
	if (c)
		container_remove(call, c, req->timeout);
	grpc__remove_container_request__free_unpacked(req, NULL);
}

void rpc_exec_process(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__ExecProcessRequest, grpc__exec_process_request, call, data, len);
	struct container *c = lookup(call, req->container_id);
	if (c) {
		if (req->string_user && req->string_user->uid && *req->string_user->uid)
			rpc_reply_error(call, TTRPC_UNIMPLEMENTED,
					"string_user is not supported: use process.user");
		else
			container_exec(call, c, req);
	}
	grpc__exec_process_request__free_unpacked(req, NULL);
}

void rpc_signal_process(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__SignalProcessRequest, grpc__signal_process_request, call, data, len);
	struct container *c = lookup(call, req->container_id);
	if (c) {
		struct kata_error err = {0};
		if (req->signal >= (unsigned)NSIG)
			rpc_reply_error(call, TTRPC_INVALID_ARGUMENT, "invalid signal %u",
					req->signal);
		else if (container_signal(c, req->exec_id, (int)req->signal, &err) < 0)
			rpc_reply_error(call, ttrpc_code_from_errno(-err.status), "%s", err.msg);
		else
			rpc_reply_ok(call, NULL);
	}
	grpc__signal_process_request__free_unpacked(req, NULL);
}

void rpc_wait_process(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__WaitProcessRequest, grpc__wait_process_request, call, data, len);
	struct container *c = lookup(call, req->container_id);
	if (c) {
		struct process *p = container_process(c, req->exec_id);
		if (p)
			process_wait(p, call);
		else
			rpc_reply_error(call, TTRPC_NOT_FOUND,
					"process %s not found in container %s", req->exec_id,
					c->id);
	}
	grpc__wait_process_request__free_unpacked(req, NULL);
}
