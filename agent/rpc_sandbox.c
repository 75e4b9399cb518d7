/* SPDX-License-Identifier: Apache-2.0 */
/* grpc.AgentService: the sandbox (the VM) itself, and the service's method table. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "channel.h"
#include "cleanup.h"
#include "container.h"
#include "init.h"
#include "log.h"
#include "netif.h"
#include "rpc.h"
#include "storage.h"

#define DESTROY_REAP_TIMEOUT_MS 5000

static bool sandbox_created;

static int write_resolv_conf(char **dns, size_t n, struct kata_error *err)
{
	cleanup_close int fd =
	    open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT && mkdir("/etc", 0755) == 0)
		fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return kata_fail_errno(err, errno, "open /etc/resolv.conf");
	for (size_t i = 0; i < n; i++) {
		/* Kata's hosts send whole lines ("nameserver 10.0.0.1"). */
		if (dprintf(fd, "%s\n", dns[i]) < 0)
			return kata_fail_errno(err, errno, "write /etc/resolv.conf");
	}
	return 0;
}

void rpc_create_sandbox(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__CreateSandboxRequest, grpc__create_sandbox_request, call, data, len);
	struct kata_error err = {0};
	int code = TTRPC_INTERNAL;

	if (sandbox_created) {
		code = TTRPC_ALREADY_EXISTS;
		kata_fail(&err, EEXIST, "the sandbox was already created");
	} else if (req->sandbox_pidns) {
		code = TTRPC_UNIMPLEMENTED;
		kata_fail(&err, ENOTSUP, "a sandbox-wide pid namespace is not supported");
	} else if (req->guest_hook_path && *req->guest_hook_path) {
		code = TTRPC_UNIMPLEMENTED;
		kata_fail(&err, ENOTSUP, "guest hooks are not supported");
	} else if (req->hostname && *req->hostname &&
		   sethostname(req->hostname, strlen(req->hostname)) < 0) {
		kata_fail_errno(&err, errno, "sethostname \"%s\"", req->hostname);
	} else if (req->n_dns && write_resolv_conf(req->dns, req->n_dns, &err) < 0) {
		/* err is set */
	} else if (netif_loopback_up(&err) < 0) {
		/* err is set */
	} else {
		size_t i;
		for (i = 0; i < req->n_storages; i++)
			if (storage_mount(req->storages[i], "", &err) < 0)
				break;
		if (i == req->n_storages) {
			sandbox_created = true;
			log_info("sandbox %s created", req->sandbox_id);
			rpc_reply_ok(call, NULL);
			grpc__create_sandbox_request__free_unpacked(req, NULL);
			return;
		}
		code = ttrpc_code_from_errno(-err.status);
		storages_unmount_all();
	}
	rpc_reply_error(call, code, "create sandbox: %s", err.msg);
	grpc__create_sandbox_request__free_unpacked(req, NULL);
}

void rpc_destroy_sandbox(const struct rpc_call *call, const uint8_t *data, size_t len)
{
	RPC_UNPACK(req, Grpc__DestroySandboxRequest, grpc__destroy_sandbox_request, call, data,
		   len);
	grpc__destroy_sandbox_request__free_unpacked(req, NULL);
	log_info("destroying the sandbox");
	containers_destroy_all(DESTROY_REAP_TIMEOUT_MS);
	sync();
	storages_unmount_all();
	/* The reply must reach the host before the VM goes away. */
	channel_make_writes_synchronous();
	rpc_reply_ok(call, NULL);
	init_power_off();
}

const struct rpc_method agent_methods[] = {
    {"CreateSandbox", rpc_create_sandbox},
    {"DestroySandbox", rpc_destroy_sandbox},
    {"CreateContainer", rpc_create_container},
    {"StartContainer", rpc_start_container},
    {"RemoveContainer", rpc_remove_container},
    {"ExecProcess", rpc_exec_process},
    {"SignalProcess", rpc_signal_process},
    {"WaitProcess", rpc_wait_process},
    {"WriteStdin", rpc_write_stdin},
    {"ReadStdout", rpc_read_stdout},
    {"ReadStderr", rpc_read_stderr},
    {"CloseStdin", rpc_close_stdin},
    {"TtyWinResize", rpc_tty_win_resize},
    {"UpdateContainer", rpc_update_container},
    {"StatsContainer", rpc_stats_container},
    {"PauseContainer", rpc_pause_container},
    {"ResumeContainer", rpc_resume_container},
    {"ListProcesses", rpc_list_processes},
    {"UpdateInterface", rpc_update_interface},
    {"UpdateRoutes", rpc_update_routes},
    {"GetOOMEvent", rpc_get_oom_event},
    {"SetGuestDateTime", rpc_set_guest_date_time},
    {"ReseedRandomDev", rpc_reseed_random_dev},
    {NULL, NULL},
};
