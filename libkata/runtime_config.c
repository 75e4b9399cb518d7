/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime_config.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "cleanup.h"
#include "error.h"
#include "hostcache.h"
#include "oci.pb-c.h"
#include "state.h"
#include "virtiofsd.h"

/* Where `make install` put the guest image; the Makefile passes $(PREFIX)/share/kata. */
#ifndef KATA_DATADIR
#define KATA_DATADIR "/usr/local/share/kata"
#endif

/* Tries <dir>/guest/NAME (a build tree) and <dir>/../share/kata/NAME (an install prefix). */
static bool guest_file_beside(const char *dir, const char *name, char out[PATH_MAX])
{
	static const char *const layouts[] = {"%s/guest/%s", "%s/../share/kata/%s"};
	for (size_t i = 0; i < sizeof(layouts) / sizeof(*layouts); i++) {
		if (snprintf(out, PATH_MAX, layouts[i], dir, name) >= PATH_MAX ||
		    access(out, R_OK) < 0)
			continue;
		/* Resolved, so logs and `kata env` name the file without "lib/../". */
		char real[PATH_MAX];
		if (realpath(out, real))
			memcpy(out, real, PATH_MAX);
		return true;
	}
	return false;
}

/*
 * The guest image is looked for, in order: the env override; beside the running program (the
 * `kata` binary, which links libkata statically); beside libkata.so itself, so any program
 * linking the installed library finds the image installed with it; the compiled-in data dir.
 */
static int find_guest_file(const char *env, const char *name, char out[PATH_MAX],
			   struct kata_error *err)
{
	const char *override = getenv(env);
	if (override && *override) {
		if (access(override, R_OK) < 0)
			return kata_fail_errno(err, errno, "%s=%s", env, override);
		snprintf(out, PATH_MAX, "%s", override);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return kata_fail_errno(err, errno, "readlink /proc/self/exe");
	exe[n] = '\0';
	const char *exe_dir = dirname(exe);
	if (guest_file_beside(exe_dir, name, out))
		return 0;

	/* dladdr names the object that holds this code: libkata.so when loaded as one, else the
	 * program (already tried). The path the loader used is tried first, then its resolved
	 * target, so a symlinked libkata.so.0 also finds the image of the prefix it belongs to;
	 * a relative path (a relative LD_LIBRARY_PATH) only resolves against the cwd. */
	Dl_info info;
	if (dladdr((const void *)&find_guest_file, &info) && info.dli_fname && *info.dli_fname) {
		char lib[PATH_MAX];
		snprintf(lib, sizeof(lib), "%s", info.dli_fname);
		if (lib[0] == '/' && guest_file_beside(dirname(lib), name, out))
			return 0;
		cleanup_free char *real = realpath(info.dli_fname, NULL);
		if (real && guest_file_beside(dirname(real), name, out))
			return 0;
	}

	if (snprintf(out, PATH_MAX, "%s/%s", KATA_DATADIR, name) < PATH_MAX &&
	    access(out, R_OK) == 0)
		return 0;
	return kata_fail(err, ENOENT,
			 "guest %s not found beside %s, beside libkata, nor in %s (build it with "
			 "`make`, or set %s)",
			 name, exe_dir, KATA_DATADIR, env);
}

static unsigned env_uint(const char *name, unsigned def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	return *end || n == 0 || n > 1u << 20 ? def : (unsigned)n;
}

/* A guest file from KATA_<X> if set, else the configuration file's key, else beside us. */
static int guest_file(const char *env, const char *name, const struct config_file *file,
		      const char *key, const char *from_file, char out[PATH_MAX],
		      struct kata_error *err)
{
	const char *override = getenv(env);
	if ((!override || !*override) && *from_file) {
		if (access(from_file, R_OK) < 0)
			return kata_fail_errno(err, errno, "%s: hypervisor.qemu.%s: \"%s\"",
					       file->path, key, from_file);
		snprintf(out, PATH_MAX, "%s", from_file);
		return 0;
	}
	return find_guest_file(env, name, out, err);
}

const char *runtime_cache_dir(void)
{
	const char *d = getenv("KATA_CACHE_DIR");
	return d && *d ? d : KATA_CACHE_DIR;
}

#define VIRTIOFSD_CACHE_NAME "virtiofsd"

/* virtiofsd_usable, remembered for this boot: the probe forks and execs a process on every
 * create otherwise. Another binary, or the same path rewritten, probes again. */
static bool virtiofsd_usable_cached(const char *daemon, char *why, size_t size)
{
	char key[PATH_MAX + 64], cached[PATH_MAX * 2 + 256];
	if (hostcache_file_id(daemon, key, sizeof(key)) < 0)
		return virtiofsd_usable(daemon, why, size);
	size_t klen = strlen(key);
	if (hostcache_read(runtime_cache_dir(), VIRTIOFSD_CACHE_NAME, cached, sizeof(cached)) ==
		0 &&
	    strncmp(cached, key, klen) == 0 && cached[klen] == '\t' &&
	    (cached[klen + 1] == '0' || cached[klen + 1] == '1') && cached[klen + 2] == '\t') {
		snprintf(why, size, "%s", cached + klen + 3);
		return cached[klen + 1] == '1';
	}
	bool usable = virtiofsd_usable(daemon, why, size);
	snprintf(cached, sizeof(cached), "%s\t%d\t%s", key, usable, why);
	struct kata_error e = {0};
	hostcache_write(runtime_cache_dir(), VIRTIOFSD_CACHE_NAME, cached, &e); /* best effort */
	return usable;
}

/* The file's shared_fs when set; else virtio-fs when its daemon runs, 9p otherwise (as Kata,
 * virtio-fs is the default; 9p needs nothing beyond QEMU). A VM pool needs 9p: a pooled VM's
 * virtiofsd started before the container's rootfs was mounted and would not see it. */
static void choose_shared_fs(struct runtime_config *cfg, const struct config_file *file)
{
	if (file->set.shared_fs) {
		cfg->shared_fs = file->shared_fs;
		snprintf(cfg->shared_fs_reason, sizeof(cfg->shared_fs_reason),
			 "hypervisor.qemu.shared_fs of %s", file->path);
		return;
	}
	if (file->vm_cache_number > 0) {
		cfg->shared_fs = VM_SHARED_FS_9P;
		snprintf(cfg->shared_fs_reason, sizeof(cfg->shared_fs_reason),
			 "default with a VM pool (factory.vm_cache_number of %s): pooled VMs share "
			 "later mounts through 9p only",
			 file->path);
		return;
	}
	if (file->factory_template) {
		cfg->shared_fs = VM_SHARED_FS_9P;
		snprintf(cfg->shared_fs_reason, sizeof(cfg->shared_fs_reason),
			 "default with VM templating (factory.enable_template of %s): QEMU cannot "
			 "save a VM with a virtio-fs device",
			 file->path);
		return;
	}
	char why[PATH_MAX + 128];
	if (virtiofsd_usable_cached(cfg->virtiofsd, why, sizeof(why))) {
		cfg->shared_fs = VM_SHARED_FS_VIRTIO_FS;
		snprintf(cfg->shared_fs_reason, sizeof(cfg->shared_fs_reason),
			 "default: virtiofsd %s", why);
	} else {
		cfg->shared_fs = VM_SHARED_FS_9P;
		snprintf(cfg->shared_fs_reason, sizeof(cfg->shared_fs_reason),
			 "default: virtio-fs unavailable (%s)", why);
	}
}

int runtime_config_load(struct runtime_config *cfg, struct kata_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->channel_force = -1;
	struct config_file file;
	int rc = config_file_load(NULL, &file, err);
	if (rc < 0)
		return rc;
	snprintf(cfg->source, sizeof(cfg->source), "%s", file.path);
	const char *qemu = getenv("KATA_QEMU");
	snprintf(cfg->qemu, sizeof(cfg->qemu), "%s",
		 qemu && *qemu ? qemu
		 : *file.qemu  ? file.qemu
			       : "/usr/bin/qemu-system-x86_64");
	if (access(cfg->qemu, X_OK) < 0) {
		if ((!qemu || !*qemu) && *file.qemu)
			return kata_fail_errno(err, errno, "%s: hypervisor.qemu.path: \"%s\"",
					       file.path, cfg->qemu);
		return kata_fail_errno(err, errno, "qemu \"%s\"", cfg->qemu);
	}
	rc = guest_file("KATA_KERNEL", "vmlinux", &file, "kernel", file.kernel, cfg->kernel, err);
	if (rc < 0)
		return rc;
	rc = guest_file("KATA_INITRD", "initramfs.cpio", &file, "initrd", file.initrd, cfg->initrd,
			err);
	if (rc < 0)
		return rc;
	snprintf(cfg->kernel_params, sizeof(cfg->kernel_params), "%s", file.kernel_params);
	cfg->vcpus = env_uint("KATA_VCPUS", file.vcpus ? file.vcpus : 1);
	cfg->memory_mib = env_uint("KATA_MEMORY_MIB", file.memory_mib ? file.memory_mib : 128);
	cfg->boot_timeout_ms = (int)env_uint(
	    "KATA_BOOT_TIMEOUT_MS", file.dial_timeout_s ? file.dial_timeout_s * 1000 : 60000);
	snprintf(cfg->virtiofsd, sizeof(cfg->virtiofsd), "%s",
		 *file.virtiofsd ? file.virtiofsd : VM_VIRTIOFSD_DEFAULT);
	choose_shared_fs(cfg, &file);
	/* Chosen explicitly, virtio-fs without its daemon is an error, not a fallback to 9p. */
	if (cfg->shared_fs == VM_SHARED_FS_VIRTIO_FS && access(cfg->virtiofsd, X_OK) < 0)
		return kata_fail_errno(err, errno,
				       "%s: hypervisor.qemu.shared_fs is \"virtio-fs\" but its "
				       "daemon (virtio_fs_daemon) \"%s\" cannot run",
				       file.path, cfg->virtiofsd);
	cfg->virtiofs_cache = file.virtiofs_cache;
	cfg->annotations = file.annotations;
	cfg->hypervisor_debug = file.hypervisor_debug;
	cfg->agent_debug = file.agent_debug;
	cfg->runtime_debug = file.runtime_debug;
	cfg->net_model = file.net_model;
	cfg->vm_cache_number = file.vm_cache_number;
	cfg->enable_template = file.factory_template;
	if (file.set.use_vsock)
		cfg->channel_force = file.use_vsock ? CHANNEL_VSOCK : CHANNEL_VIRTIO_SERIAL;
	return 0;
}

/* An annotation's value as an integer in [min, max], or an error naming it. */
static int annotation_uint(const char *key, const char *value, unsigned min, unsigned max,
			   const char *unit, unsigned *ret, struct kata_error *err)
{
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	if (!*value || *end || errno || value[0] == '-' || n < min || n > max)
		return kata_fail(err, EINVAL, "annotation %s: \"%s\" is not an integer in %u..%u%s",
				 key, value, min, max, unit);
	*ret = (unsigned)n;
	return 0;
}

int runtime_config_apply_annotations(struct runtime_config *cfg,
				     Grpc__Spec__AnnotationsEntry *const *a, size_t n,
				     struct kata_error *err)
{
	const size_t plen = strlen(KATA_HYPERVISOR_ANNOTATION);
	for (size_t i = 0; i < n; i++) {
		const char *key = a[i]->key, *value = a[i]->value ? a[i]->value : "";
		if (!key || strncmp(key, KATA_HYPERVISOR_ANNOTATION, plen) != 0)
			continue;
		const char *name = key + plen;
		unsigned bit = 0;
		for (unsigned b = 1; config_annotation_name(b); b <<= 1)
			if (!strcmp(name, config_annotation_name(b)))
				bit = b;
		/* Silently ignoring a hypervisor setting would run a VM other than the one asked
		 * for. */
		if (!bit)
			return kata_fail(err, ENOTSUP,
					 "annotation %s is not supported (kata supports %s{default_"
					 "vcpus,default_memory,kernel_params})",
					 key, KATA_HYPERVISOR_ANNOTATION);
		if (!(cfg->annotations & bit))
			return kata_fail(err, EPERM,
					 "annotation %s is not enabled in the configuration "
					 "(hypervisor.qemu.enable_annotations of %s)",
					 key, *cfg->source ? cfg->source : "the built-in defaults");
		int rc = 0;
		if (bit == CONFIG_ANNOTATION_DEFAULT_VCPUS) {
			rc = annotation_uint(key, value, 1, CONFIG_VCPUS_MAX, "", &cfg->vcpus, err);
		} else if (bit == CONFIG_ANNOTATION_DEFAULT_MEMORY) {
			rc = annotation_uint(key, value, CONFIG_MEMORY_MIN_MIB,
					     CONFIG_MEMORY_MAX_MIB, " MiB", &cfg->memory_mib, err);
		} else {
			size_t used = strlen(cfg->kernel_params);
			if (used + 1 + strlen(value) >= sizeof(cfg->kernel_params))
				return kata_fail(err, E2BIG,
						 "annotation %s: kernel parameters longer than %zu "
						 "bytes",
						 key, sizeof(cfg->kernel_params) - 1);
			/* Added to the configured parameters, as Kata does. */
			snprintf(cfg->kernel_params + used, sizeof(cfg->kernel_params) - used,
				 "%s%s", used && *value ? " " : "", value);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

void runtime_config_size_for(struct runtime_config *cfg, const Grpc__LinuxResources *r,
			     unsigned host_cpus)
{
	if (!r)
		return;
	const uint64_t mib = 1 << 20;
	if (r->memory && r->memory->limit > 0) {
		uint64_t add = ((uint64_t)r->memory->limit + mib - 1) / mib;
		/* Bounded like KATA_MEMORY_MIB: a limit beyond 1 TiB is not a VM size. */
		cfg->memory_mib = add > (1u << 20) ? cfg->memory_mib + (1u << 20)
						   : cfg->memory_mib + (unsigned)add;
	}
	if (r->cpu && r->cpu->quota > 0 && r->cpu->period > 0) {
		uint64_t add = ((uint64_t)r->cpu->quota + r->cpu->period - 1) / r->cpu->period;
		uint64_t want = cfg->vcpus + add;
		if (host_cpus && want > host_cpus)
			want = host_cpus > cfg->vcpus ? host_cpus : cfg->vcpus;
		cfg->vcpus = (unsigned)want;
	}
}
