/* SPDX-License-Identifier: Apache-2.0 */
/* grpc.AgentService networking: UpdateInterface and UpdateRoutes (Kata's messages). */
#include <stdbool.h>
#include <stdlib.h>

#include "agent.pb-c.h"
#include "netif.h"
#include "rpc.h"

void rpc_update_interface(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__UpdateInterfaceRequest, grpc__update_interface_request, call, data,
		   len);
	struct kata_error err = {0};
	if (!req->interface)
		rpc_reply_error(call, TTRPC_INVALID_ARGUMENT, "update interface: no interface");
	else if (netif_update(req->interface, &err) < 0)
		rpc_reply_error(call, ttrpc_code_from_errno(err.status), "update interface: %s",
				err.msg);
	else
		rpc_reply_ok(call, &req->interface->base);
	grpc__update_interface_request__free_unpacked(req, NULL);
}

/* Routes through a gateway need the link route to it first: those without a gateway go
 * in a first pass. */
void rpc_update_routes(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__UpdateRoutesRequest, grpc__update_routes_request, call, data, len);
	struct kata_error err = {0};
	int rc = 0;
	size_t n = req->routes ? req->routes->n_routes : 0;
	for (int pass = 0; pass < 2 && rc >= 0; pass++)
		for (size_t i = 0; i < n && rc >= 0; i++) {
			const Types__Route *r = req->routes->routes[i];
			bool via = r->gateway && *r->gateway;
			if (via == (pass == 1))
				rc = netif_add_route(r, &err);
		}
	if (rc < 0) {
		rpc_reply_error(call, ttrpc_code_from_errno(err.status), "update routes: %s",
				err.msg);
	} else {
		Grpc__Routes empty = GRPC__ROUTES__INIT;
		rpc_reply_ok(call, req->routes ? &req->routes->base : &empty.base);
	}
	grpc__update_routes_request__free_unpacked(req, NULL);
}
