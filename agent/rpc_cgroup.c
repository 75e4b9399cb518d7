/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grpc.AgentService requests answered from a container's cgroup: UpdateContainer,
 * StatsContainer, PauseContainer/ResumeContainer (the v2 freezer) and ListProcesses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.pb-c.h"
#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "rpc.h"

#define FREEZE_TIMEOUT_MS 10000

static struct container *lookup(const struct rpc_call *call, const char *id)
{
	struct container *c = container_find(id ? id : "");
	if (!c)
		rpc_reply_error(call, TTRPC_NOT_FOUND, "container %s not found", id ? id : "");
	else if (!c->cgroup) {
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION, "container %s has no cgroup",
				c->id);
		return NULL;
	}
	return c;
}

static void reply_err(const struct rpc_call *call, const char *what, const char *id,
		      const struct kata_error *err)
{
	rpc_reply_error(call, ttrpc_code_from_errno(-err->status), "%s %s: %s", what, id, err->msg);
}

void rpc_update_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__UpdateContainerRequest, grpc__update_container_request, call, data,
		   len);
	struct container *c = lookup(call, req->container_id);
	struct kata_error err = {0};
	if (c && (cgroup_apply(c->cgroup, req->resources, &err) < 0 ||
		  cgroup_apply_devices(c->cgroup, req->resources,
				       c->req->oci ? c->req->oci->linux : NULL, &err) < 0))
		reply_err(call, "update container", c->id, &err);
	else if (c)
		rpc_reply_ok(call, NULL);
	grpc__update_container_request__free_unpacked(req, NULL);
}

void rpc_stats_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__StatsContainerRequest, grpc__stats_container_request, call, data,
		   len);
	struct container *c = lookup(call, req->container_id);
	struct kata_error err = {0};
	Grpc__StatsContainerResponse resp = GRPC__STATS_CONTAINER_RESPONSE__INIT;
	if (c && cgroup_stats(c->cgroup, &resp.cgroup_stats, &err) < 0)
		reply_err(call, "stats of container", c->id, &err);
	else if (c)
		rpc_reply_ok(call, &resp.base);
	cgroup_stats_free(resp.cgroup_stats);
	grpc__stats_container_request__free_unpacked(req, NULL);
}

static void freeze(const struct rpc_call *call, const char *id, bool frozen)
{
	struct container *c = lookup(call, id);
	struct kata_error err = {0};
	if (!c)
		return;
	if (c->state != CTR_RUNNING && c->state != CTR_CREATED)
		rpc_reply_error(call, TTRPC_FAILED_PRECONDITION, "container %s is not running",
				c->id);
	else if (cgroup_freeze(c->cgroup, frozen, FREEZE_TIMEOUT_MS, &err) < 0)
		reply_err(call, frozen ? "pause container" : "resume container", c->id, &err);
	else
		rpc_reply_ok(call, NULL);
}

void rpc_pause_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__PauseContainerRequest, grpc__pause_container_request, call, data,
		   len);
	freeze(call, req->container_id, true);
	grpc__pause_container_request__free_unpacked(req, NULL);
}

void rpc_resume_container(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__ResumeContainerRequest, grpc__resume_container_request, call, data,
		   len);
	freeze(call, req->container_id, false);
	grpc__resume_container_request__free_unpacked(req, NULL);
}

/* The command line of a guest pid, arguments joined by spaces; "[comm]" for kernel threads. */
static void cmdline_of(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	cleanup_file FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;
	buf[n] = '\0';
	for (size_t i = 0; i + 1 < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (n == 0)
		snprintf(buf, size, "?");
}

/* Kata 1.x's format: "json" is a JSON array of pids, "table" a ps-like PID/CMD table. */
static int format_list(const char *format, const pid_t *pids, size_t n, char **ret, size_t *ret_len,
		       struct kata_error *err)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return kata_fail(err, ENOMEM, "out of memory");
	if (!strcmp(format, "json")) {
		fputc('[', f);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s%d", i ? "," : "", (int)pids[i]);
		fputc(']', f);
	} else {
		fprintf(f, "%5s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++) {
			char cmd[1024];
			cmdline_of(pids[i], cmd, sizeof(cmd));
			fprintf(f, "%5d %s\n", (int)pids[i], cmd);
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	*ret = out;
	*ret_len = len;
	return 0;
}

void rpc_list_processes(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__ListProcessesRequest, grpc__list_processes_request, call, data, len);
	struct container *c = lookup(call, req->container_id);
	struct kata_error err = {0};
	const char *format = req->format && *req->format ? req->format : "table";
	cleanup_free pid_t *pids = NULL;
	cleanup_free char *out = NULL;
	size_t n = 0, out_len = 0;
	if (!c) {
		/* lookup replied */
	} else if (strcmp(format, "json") && strcmp(format, "table")) {
		rpc_reply_error(call, TTRPC_INVALID_ARGUMENT,
				"list processes: unknown format \"%s\" (json or table)", format);
	} else if (req->n_args) {
		rpc_reply_error(call, TTRPC_UNIMPLEMENTED,
				"list processes: ps arguments are not supported");
	} else if (cgroup_pids(c->cgroup, &pids, &n, &err) < 0 ||
		   format_list(format, pids, n, &out, &out_len, &err) < 0) {
		reply_err(call, "list processes of", c->id, &err);
	} else {
		Grpc__ListProcessesResponse resp = GRPC__LIST_PROCESSES_RESPONSE__INIT;
		resp.process_list.data = (uint8_t *)out;
		resp.process_list.len = out_len;
		rpc_reply_ok(call, &resp.base);
	}
	grpc__list_processes_request__free_unpacked(req, NULL);
}
