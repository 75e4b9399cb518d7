/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing KVM or TCG. /dev/kvm existing is not enough (nested or PVM-backed KVM can refuse
 * what QEMU needs, e.g. "failed to set MSR 0x10a"), so KVM is used only after a probe VM
 * with the real machine type and -cpu host has run guest code. The probe costs one short
 * QEMU run; its verdict is cached per host boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_proc.h"
#include "cleanup.h"
#include "error.h"
#include "hostcache.h"
#include "qemu_priv.h"
#include "sockutil.h"

#define ACCEL_CACHE_NAME "accel"
#define PROBE_TIMEOUT_MS 10000

/* ret_why points here: valid until the next probe in this thread. */
static __thread char why_buf[512];

/* The line of QEMU's output that explains a failure, without QEMU's "prog: error: " prefix. */
static void probe_reason(int out_fd, const char *qemu, char *buf, size_t size)
{
	char text[4096];
	ssize_t n = pread(out_fd, text, sizeof(text) - 1, 0);
	buf[0] = '\0';
	if (n <= 0)
		return;
	text[n] = '\0';
	const char *base = strrchr(qemu, '/') ? strrchr(qemu, '/') + 1 : qemu;
	char *pick = NULL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!pick || (strstr(line, "error") && !strstr(pick, "error")))
			pick = line;
	}
	if (!pick)
		return;
	size_t blen = strlen(base);
	if (strncmp(pick, base, blen) == 0 && strncmp(pick + blen, ": ", 2) == 0)
		pick += blen + 2;
	if (strncmp(pick, "error: ", 7) == 0)
		pick += 7;
	snprintf(buf, size, "%s", pick);
}

int accel_probe_vm(const char *qemu, enum vm_accel accel, char *reason, size_t size,
		   struct kata_error *err)
{
	bool kvm = accel == VM_ACCEL_KVM;
	cleanup_close int elf = memfd_create("kata-accel-probe", MFD_CLOEXEC);
	cleanup_close int out = memfd_create("kata-accel-probe-output", MFD_CLOEXEC);
	if (elf < 0 || out < 0)
		return kata_fail_errno(err, errno, "accelerator probe: memfd_create");
	int r = accel_probe_write_elf(elf);
	if (r < 0)
		return kata_fail_errno(err, -r, "accelerator probe: writing the probe guest");

	char kernel[64];
	snprintf(kernel, sizeof(kernel), "/proc/self/fd/%d", elf);
	char *const argv[] = {
	    (char *)qemu,
	    "-name",
	    "kata-accel-probe",
	    "-M",
	    "microvm,x-option-roms=off",
	    "-accel",
	    kvm ? "kvm" : "tcg",
	    "-cpu",
	    kvm ? "host" : "max",
	    "-m",
	    "16",
	    "-smp",
	    "1",
	    "-nodefaults",
	    "-no-user-config",
	    "-display",
	    "none",
	    "-no-reboot",
	    "-device",
	    "isa-debug-exit",
	    "-kernel",
	    kernel,
	    NULL,
	};
	struct qemu_proc_spec spec = {
	    .argv = argv, .stdout_fd = out, .keep_fds = &elf, .n_keep = 1};
	pid_t pid;
	r = qemu_proc_spawn(&spec, &pid, err);
	if (r < 0)
		return kata_error_prefix(err, r, "accelerator probe");

	int status;
	r = qemu_proc_wait(pid, PROBE_TIMEOUT_MS, &status);
	if (r == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		qemu_proc_wait(pid, -1, NULL);
		snprintf(reason, size, "the probe VM did not finish within %d ms",
			 PROBE_TIMEOUT_MS);
		return 0;
	}
	if (r < 0)
		return kata_fail_errno(err, -r, "accelerator probe: waiting for QEMU");
	if (WIFEXITED(status) && WEXITSTATUS(status) == ACCEL_PROBE_EXIT_STATUS)
		return 1;

	probe_reason(out, qemu, reason, size);
	if (!reason[0]) {
		char how[128];
		qemu_proc_status_str(status, how, sizeof(how));
		snprintf(reason, size, "qemu %s", how);
	}
	return 0;
}

/* Decides without caching: KVM or TCG, and why. */
static int probe_accel(const char *qemu, enum vm_accel *ret, struct kata_error *err)
{
	cleanup_close int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		snprintf(why_buf, sizeof(why_buf), "kvm: /dev/kvm %s; using tcg",
			 errno == ENOENT ? "is missing" : strerror(errno));
		*ret = VM_ACCEL_TCG;
		return 0;
	}
	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(why_buf, sizeof(why_buf),
			 "kvm: /dev/kvm speaks API version %d, not %d; using tcg", api,
			 KVM_API_VERSION);
		*ret = VM_ACCEL_TCG;
		return 0;
	}

	char reason[256] = "";
	int64_t start = mono_ms();
	int r = accel_probe_vm(qemu, VM_ACCEL_KVM, reason, sizeof(reason), err);
	if (r < 0)
		return r;
	if (r == 1) {
		snprintf(why_buf, sizeof(why_buf), "kvm: a probe VM ran in %lld ms",
			 (long long)(mono_ms() - start));
		*ret = VM_ACCEL_KVM;
	} else {
		snprintf(why_buf, sizeof(why_buf),
			 "kvm: /dev/kvm present but a probe VM failed (%s); using tcg", reason);
		*ret = VM_ACCEL_TCG;
	}
	return 0;
}

int vm_probe_accel(const char *qemu_path, const char *cache_dir, enum vm_accel *ret,
		   const char **ret_why, struct kata_error *err)
{
	const char *qemu = qemu_path ? qemu_path : QEMU_DEFAULT_PATH;
	char cached[sizeof(why_buf) + 4096];

	/* "kvm|tcg <tab> qemu path <tab> why": a different QEMU binary probes again. */
	if (hostcache_read(cache_dir, ACCEL_CACHE_NAME, cached, sizeof(cached)) == 0) {
		char *path = strchr(cached, '\t');
		char *why = path ? strchr(path + 1, '\t') : NULL;
		if (why) {
			*path++ = '\0';
			*why++ = '\0';
			bool kvm = strcmp(cached, "kvm") == 0;
			if ((kvm || strcmp(cached, "tcg") == 0) && strcmp(path, qemu) == 0) {
				snprintf(why_buf, sizeof(why_buf), "%s", why);
				*ret = kvm ? VM_ACCEL_KVM : VM_ACCEL_TCG;
				if (ret_why)
					*ret_why = why_buf;
				return 0;
			}
		}
	}

	enum vm_accel accel;
	int r = probe_accel(qemu, &accel, err);
	if (r < 0)
		return r;
	snprintf(cached, sizeof(cached), "%s\t%s\t%s", accel == VM_ACCEL_KVM ? "kvm" : "tcg", qemu,
		 why_buf);
	r = hostcache_write(cache_dir, ACCEL_CACHE_NAME, cached, err);
	if (r < 0)
		return r;
	*ret = accel;
	if (ret_why)
		*ret_why = why_buf;
	return 0;
}
