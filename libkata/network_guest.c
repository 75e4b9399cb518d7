/* SPDX-License-Identifier: Apache-2.0 */
/* Handing the namespace's interfaces and routes to the agent (Kata's UpdateInterface and
 * UpdateRoutes), after the VM is up and before the container is created. */
#include "network.h"

#include "error.h"
#include "types.pb-c.h"

#define NET_RPC_TIMEOUT_MS 30000

int network_configure_guest(struct agent_client *agent, const struct net_sandbox *net,
			    struct kata_error *err)
{
	if (!net)
		return 0;
	for (size_t i = 0; i < net->n; i++) {
		Grpc__UpdateInterfaceRequest req = GRPC__UPDATE_INTERFACE_REQUEST__INIT;
		req.interface = net->ep[i].iface;
		int rc =
		    agent_call_sync(agent, AGENT_SERVICE, "UpdateInterface", &req.base,
				    &types__interface__descriptor, NULL, NET_RPC_TIMEOUT_MS, err);
		if (rc < 0)
			return kata_error_prefix(err, rc, "network: interface %s", net->ep[i].name);
	}
	if (!net->routes->n_routes)
		return 0;
	Grpc__UpdateRoutesRequest req = GRPC__UPDATE_ROUTES_REQUEST__INIT;
	req.routes = net->routes;
	int rc = agent_call_sync(agent, AGENT_SERVICE, "UpdateRoutes", &req.base,
				 &grpc__routes__descriptor, NULL, NET_RPC_TIMEOUT_MS, err);
	return rc < 0 ? kata_error_prefix(err, rc, "network: routes") : 0;
}
