/* SPDX-License-Identifier: Apache-2.0 */
/* grpc.Health: liveness and version, answered at once. */
#include "health.pb-c.h"
#include "rpc.h"

#define AGENT_VERSION "0.1.0"

static void health_check(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__CheckRequest, grpc__check_request, call, data, len);
	Grpc__HealthCheckResponse resp = GRPC__HEALTH_CHECK_RESPONSE__INIT;
	resp.status = GRPC__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	rpc_reply_ok(call, &resp.base);
	grpc__check_request__free_unpacked(req, NULL);
}

static void health_version(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__CheckRequest, grpc__check_request, call, data, len);
	Grpc__VersionCheckResponse resp = GRPC__VERSION_CHECK_RESPONSE__INIT;
	resp.agent_version = AGENT_VERSION;
	resp.grpc_version = "ttrpc";
	rpc_reply_ok(call, &resp.base);
	grpc__check_request__free_unpacked(req, NULL);
}

const struct rpc_method health_methods[] = {
    {"Check", health_check},
    {"Version", health_version},
    {NULL, NULL},
};
