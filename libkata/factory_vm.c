/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a VM of the factory (a pooled VM or the template VM) and checking its agent. */
#include "factory.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "agent_client.h"
#include "error.h"
#include "fsutil.h"
#include "health.pb-c.h"

int factory_start_vm(const struct runtime_config *rc, const struct factory_vm_opts *o,
		     struct vm **ret_vm, struct kata_error *err)
{
	*ret_vm = NULL;
	if (mkdir("shared", 0700) < 0)
		return kata_fail_errno(err, errno, "mkdir shared");
	struct vm_config cfg = {
	    .qemu_path = rc->qemu,
	    .name = o->name,
	    .kernel = rc->kernel,
	    .initrd = rc->initrd,
	    .kernel_params = rc->kernel_params,
	    .vcpus = rc->vcpus,
	    .memory_mib = rc->memory_mib,
	    .run_dir = ".",
	    .shared_dir = "shared",
	    .shared_fs = rc->shared_fs,
	    .cache_dir = runtime_cache_dir(),
	    .debug = rc->hypervisor_debug,
	    .agent_debug = rc->agent_debug,
	    .mem_file = o->mem_file,
	    .mem_file_shared = o->mem_file_shared,
	    .incoming_state = o->incoming_state,
	};
	mkdir_p(cfg.cache_dir, 0700);
	const char *why = NULL;
	/* virtio-serial: the agent's port survives this process letting go and the next host
	 * (a container's monitor, or each clone's) connecting again. */
	int r = channel_prepare(&cfg.channel, ".", CHANNEL_VIRTIO_SERIAL, &why, err);
	if (r < 0)
		return r;
	struct vm *vm = NULL;
	if ((r = vm_start(&cfg, &vm, err)) < 0)
		return r;
	int fd = vm_connect_agent(vm, 10000, err);
	if (fd < 0) {
		vm_free(vm);
		return fd;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	struct agent_client agent;
	agent_client_init(&agent, fd);
	Grpc__CheckRequest check = GRPC__CHECK_REQUEST__INIT;
	r = agent_call_sync(&agent, HEALTH_SERVICE, "Check", &check.base,
			    &grpc__health_check_response__descriptor, NULL, rc->boot_timeout_ms,
			    err);
	if (r < 0)
		kata_error_prefix(err, r, "the guest agent did not come up");
	else if (o->incoming_state)
		r = agent_after_restore(&agent, err);
	/* The agent sees the host leave and waits for the next one. */
	agent_client_close(&agent);
	if (r < 0) {
		vm_free(vm);
		return r;
	}
	*ret_vm = vm;
	return 0;
}
