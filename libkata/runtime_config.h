/* SPDX-License-Identifier: Apache-2.0 */
/* Where the runtime finds QEMU and the guest image. */
#ifndef KATA_RUNTIME_CONFIG_H
#define KATA_RUNTIME_CONFIG_H

#include <limits.h>

#include "kata.h"
#include "oci.pb-c.h"

struct runtime_config {
	char qemu[PATH_MAX];
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	unsigned vcpus;
	unsigned memory_mib;
	int boot_timeout_ms;
};

/*
 * Resolves the configuration: environment overrides (KATA_QEMU, KATA_KERNEL, KATA_INITRD,
 * KATA_MEMORY_MIB, KATA_BOOT_TIMEOUT_MS), then the guest image beside the binary (build tree:
 * <dir>/guest/, install: <prefix>/share/kata/).
 */
int runtime_config_load(struct runtime_config *cfg, struct kata_error *err);

/*
 * Sizes the VM for the container's limits, as Kata does: the memory limit (rounded up to MiB)
 * is added to the default memory, and ceil(quota/period) vCPUs to the default vCPUs (capped at
 * host_cpus), so the workload gets what its limits allow on top of what the guest needs.
 */
void runtime_config_size_for(struct runtime_config *cfg, const Grpc__LinuxResources *r,
			     unsigned host_cpus);

#endif
