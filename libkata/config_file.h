/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file: JSON with Kata's configuration.toml key names, nested as in Kata
 * ({"hypervisor": {"qemu": {...}}, "agent": {"kata": {...}}, "runtime": {...}}). Every key is
 * checked: an unknown key, a wrong type or a bad value fails naming the file and the key's path.
 */
#ifndef KATA_CONFIG_FILE_H
#define KATA_CONFIG_FILE_H

#include <limits.h>
#include <stdbool.h>

#include "hypervisor.h"
#include "kata.h"

#define CONFIG_FILE_ENV		 "KATA_CONF_FILE"
#define CONFIG_FILE_ETC		 "/etc/kata/configuration.json"
#define CONFIG_FILE_SHARE	 "/usr/share/kata/configuration.json"
#define CONFIG_KERNEL_PARAMS_MAX 1024
#define CONFIG_VCPUS_MAX	 256
#define CONFIG_MEMORY_MIN_MIB	 64
#define CONFIG_MEMORY_MAX_MIB	 (1u << 20)
#define CONFIG_VM_CACHE_MAX	 256

/* Hypervisor annotations a configuration may allow (hypervisor.qemu.enable_annotations). */
enum config_annotation {
	CONFIG_ANNOTATION_DEFAULT_VCPUS = 1u << 0,
	CONFIG_ANNOTATION_DEFAULT_MEMORY = 1u << 1,
	CONFIG_ANNOTATION_KERNEL_PARAMS = 1u << 2,
};

/* The annotation's short name ("default_vcpus") from its bit, or NULL. */
const char *config_annotation_name(unsigned bit);

/* hypervisor.qemu.shared_fs names: "virtio-9p", "virtio-fs". */
const char *config_shared_fs_name(enum vm_shared_fs fs);

/* hypervisor.qemu.virtio_fs_cache names (Kata's): "auto", "always", "never". */
const char *config_virtiofs_cache_name(enum vm_virtiofs_cache c);

enum config_net_model { CONFIG_NET_TCFILTER = 0, CONFIG_NET_NONE };
const char *config_net_model_name(enum config_net_model m);

/* What one file set; a field left unset is empty, 0 or false, and marked in `set`. */
struct config_file {
	char path[PATH_MAX]; /* the file that was read; "" when none was found */
	char qemu[PATH_MAX];
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	char kernel_params[CONFIG_KERNEL_PARAMS_MAX];
	char virtiofsd[PATH_MAX];
	unsigned vcpus;
	unsigned memory_mib;
	unsigned dial_timeout_s;
	enum vm_shared_fs shared_fs;
	enum vm_virtiofs_cache virtiofs_cache;
	unsigned annotations; /* enum config_annotation bits */
	bool hypervisor_debug, agent_debug, runtime_debug;
	enum config_net_model net_model;
	unsigned vm_cache_number; /* factory.vm_cache_number: booted VMs kept ready */
	bool factory_template;	  /* factory.enable_template: VMs cloned from a saved one */
	bool use_vsock;		  /* hypervisor.qemu.use_vsock (Kata 1.x): the agent channel */
	struct {
		bool shared_fs, net_model, use_vsock;
	} set;
};

/*
 * Parses the text of a configuration file; `name` (the file's path) prefixes error messages:
 * "<name>: hypervisor.qemu.defualt_memory: unknown key".
 */
int config_file_parse(const char *name, const char *text, struct config_file *ret,
		      struct kata_error *err);

/*
 * Finds and parses the configuration: the path in $KATA_CONF_FILE if set (it must exist),
 * else the first of `candidates` (NULL-terminated; NULL: /etc/kata/configuration.json,
 * /usr/share/kata/configuration.json) that exists. No file: *ret is all defaults, path "".
 */
int config_file_load(const char *const *candidates, struct config_file *ret,
		     struct kata_error *err);

#endif
