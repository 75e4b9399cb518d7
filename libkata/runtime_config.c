/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime_config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "oci.pb-c.h"

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
	const char *dir = dirname(exe);
	const char *candidates[] = {"%s/guest/%s", "%s/../share/kata/%s"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(out, PATH_MAX, candidates[i], dir, name);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return kata_fail(err, ENOENT,
			 "guest %s not found beside %s (build it with `make`, or set %s)", name,
			 dir, env);
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

int runtime_config_load(struct runtime_config *cfg, struct kata_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	const char *qemu = getenv("KATA_QEMU");
	snprintf(cfg->qemu, sizeof(cfg->qemu), "%s",
		 qemu && *qemu ? qemu : "/usr/bin/qemu-system-x86_64");
	if (access(cfg->qemu, X_OK) < 0)
		return kata_fail_errno(err, errno, "qemu \"%s\"", cfg->qemu);
	int rc = find_guest_file("KATA_KERNEL", "vmlinux", cfg->kernel, err);
	if (rc < 0)
		return rc;
	rc = find_guest_file("KATA_INITRD", "initramfs.cpio", cfg->initrd, err);
	if (rc < 0)
		return rc;
	cfg->vcpus = env_uint("KATA_VCPUS", 1);
	cfg->memory_mib = env_uint("KATA_MEMORY_MIB", 256);
	cfg->boot_timeout_ms = (int)env_uint("KATA_BOOT_TIMEOUT_MS", 60000);
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
