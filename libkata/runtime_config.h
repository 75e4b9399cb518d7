/* SPDX-License-Identifier: Apache-2.0 */
/* The resolved runtime configuration: QEMU, the guest image, VM size, shared filesystem. */
#ifndef KATA_RUNTIME_CONFIG_H
#define KATA_RUNTIME_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "config_file.h"
#include "hypervisor.h"
#include "kata.h"
#include "oci.pb-c.h"

struct runtime_config {
	char source[PATH_MAX]; /* the configuration file used; "" for the built-in defaults */
	char qemu[PATH_MAX];
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char kernel_params[CONFIG_KERNEL_PARAMS_MAX]; /* appended to the built-in ones */
	unsigned vcpus;
	unsigned memory_mib;
	int boot_timeout_ms;
	enum vm_shared_fs shared_fs;
	char shared_fs_reason[PATH_MAX + 256]; /* why this shared_fs, for check and env */
	char virtiofsd[PATH_MAX];
	enum vm_virtiofs_cache virtiofs_cache;
	unsigned annotations; /* enum config_annotation bits: what containers may override */
	bool hypervisor_debug, agent_debug, runtime_debug;
	enum config_net_model net_model; /* tcfilter (network.c) or none */
	int channel_force; /* hypervisor.qemu.use_vsock: CHANNEL_VSOCK / _VIRTIO_SERIAL; -1 = detect
			    */
	unsigned vm_cache_number; /* factory.vm_cache_number: 0 = no VM pool */
	bool enable_template;	  /* factory.enable_template: VMs start from a saved one */
};

/*
 * Resolves the configuration, each setting from the first that has it: the environment
 * (KATA_QEMU, KATA_KERNEL, KATA_INITRD, KATA_MEMORY_MIB, KATA_VCPUS, KATA_BOOT_TIMEOUT_MS), the
 * configuration file (config_file_load), the built-in defaults (the guest image beside the
 * binary: build tree <dir>/guest/, install <prefix>/share/kata/; 128 MiB, 1 vCPU, 60 s; virtio-fs
 * when virtiofsd runs (virtiofsd_usable), else 9p).
 */
int runtime_config_load(struct runtime_config *cfg, struct kata_error *err);

/* Where host facts are cached for this boot: $KATA_CACHE_DIR, else KATA_CACHE_DIR. */
const char *runtime_cache_dir(void);

/* The annotation prefix Kata uses for hypervisor settings. */
#define KATA_HYPERVISOR_ANNOTATION "io.katacontainers.config.hypervisor."

/*
 * Applies a container's io.katacontainers.config.hypervisor.* annotations (default_vcpus,
 * default_memory in MiB, kernel_params, appended) where cfg->annotations allows them, as Kata
 * does. One that is not allowed, not supported, or has a bad value fails naming it.
 */
int runtime_config_apply_annotations(struct runtime_config *cfg,
				     Grpc__Spec__AnnotationsEntry *const *a, size_t n,
				     struct kata_error *err);

/*
 * Sizes the VM for the container's limits, as Kata does: the memory limit (rounded up to MiB)
 * is added to the default memory, and ceil(quota/period) vCPUs to the default vCPUs (capped at
 * host_cpus), so the workload gets what its limits allow on top of what the guest needs.
 */
void runtime_config_size_for(struct runtime_config *cfg, const Grpc__LinuxResources *r,
			     unsigned host_cpus);

#endif
