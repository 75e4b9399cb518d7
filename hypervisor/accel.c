/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing KVM or TCG. /dev/kvm existing is not enough: nested or PVM-backed KVM can refuse
 * what QEMU needs ("failed to set MSR 0x10a"), or run a few instructions and then fail the
 * real kernel ("KVM internal error ... emulation failure" at an xrstor or a cmpxchg16b, with
 * QEMU left paused rather than exiting). So KVM is used only after two probe VMs with the
 * real machine type and -cpu host have run: a tiny guest (fast, catches the first kind) and
 * the configured guest kernel booted up to its root mount. The verdict is cached per host
 * boot, keyed by the QEMU binary and the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

#define PROBE_TIMEOUT_MS 10000
#define PROBE_POLL_MS	 20
#define PROBE_OUTPUT_MAX (256 * 1024)

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

/* Up to PROBE_OUTPUT_MAX bytes of what QEMU and the guest console wrote, NUL-terminated. */
static char *probe_output(int out_fd)
{
	off_t end = lseek(out_fd, 0, SEEK_END);
	size_t len = end > PROBE_OUTPUT_MAX ? PROBE_OUTPUT_MAX : end > 0 ? (size_t)end : 0;
	char *text = malloc(len + 1);
	if (!text)
		return NULL;
	ssize_t n = len ? pread(out_fd, text, len, end - (off_t)len) : 0;
	text[n > 0 ? n : 0] = '\0';
	/* The console output is binary-safe text for strstr only up to a NUL. */
	for (ssize_t i = 0; i < n; i++)
		if (!text[i])
			text[i] = ' ';
	return text;
}

/* The KVM failure QEMU reported, as one short line, or NULL. */
static const char *kvm_failure(const char *text, char *buf, size_t size)
{
	static const char *const markers[] = {"KVM internal error", "emulation failure",
					      "failed to set MSR", "kvm run failed"};
	for (size_t i = 0; i < sizeof(markers) / sizeof(*markers); i++) {
		const char *at = strstr(text, markers[i]);
		if (at) {
			size_t n = strcspn(at, "\n");
			snprintf(buf, size, "%.*s", (int)(n < 200 ? n : 200), at);
			return buf;
		}
	}
	return NULL;
}

int accel_probe_kernel(const char *qemu, const char *kernel, enum vm_accel accel,
		       unsigned long tsc_khz, char *reason, size_t size, struct kata_error *err)
{
	bool kvm = accel == VM_ACCEL_KVM;
	cleanup_close int out = memfd_create("kata-accel-probe-kernel", MFD_CLOEXEC);
	if (out < 0)
		return kata_fail_errno(err, errno, "accelerator probe: memfd_create");
	/* No initrd and no root device: the kernel's last step is a panic, which panic=-1 and
	 * -no-reboot turn into QEMU exiting. quiet keeps the output small; a panic still shows.
	 * tsc_early_khz as for the real guests: without it a busy host can hang the boot. */
	char append[128] = "console=ttyS0 panic=-1 quiet";
	if (tsc_khz)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " tsc_early_khz=%lu", tsc_khz);
	char *const argv[] = {
	    (char *)qemu,
	    "-name",
	    "kata-accel-probe-kernel",
	    "-M",
	    "microvm,x-option-roms=off",
	    "-accel",
	    kvm ? "kvm" : "tcg",
	    "-cpu",
	    kvm ? "host" : "max",
	    "-m",
	    "64",
	    "-smp",
	    "1",
	    "-nodefaults",
	    "-no-user-config",
	    "-display",
	    "none",
	    "-no-reboot",
	    "-serial",
	    "stdio",
	    "-kernel",
	    (char *)kernel,
	    "-append",
	    append,
	    NULL,
	};
	struct qemu_proc_spec spec = {.argv = argv, .stdout_fd = out};
	pid_t pid;
	int r = qemu_proc_spawn(&spec, &pid, err);
	if (r < 0)
		return kata_error_prefix(err, r, "accelerator probe");

	int64_t deadline = mono_ms() + PROBE_TIMEOUT_MS;
	int status = 0;
	char line[256];
	for (;;) {
		int left = deadline_left(deadline);
		r = qemu_proc_wait(pid, left < PROBE_POLL_MS ? left : PROBE_POLL_MS, &status);
		if (r != -ETIMEDOUT)
			break;
		cleanup_free char *text = probe_output(out);
		const char *failed = text ? kvm_failure(text, line, sizeof(line)) : NULL;
		if (failed || deadline_left(deadline) == 0) {
			kill(pid, SIGKILL);
			qemu_proc_wait(pid, -1, NULL);
			if (failed)
				snprintf(reason, size, "the guest kernel failed: %s", failed);
			else
				snprintf(reason, size,
					 "the guest kernel did not finish booting within %d ms",
					 PROBE_TIMEOUT_MS);
			return 0;
		}
	}
	if (r < 0)
		return kata_fail_errno(err, -r, "accelerator probe: waiting for QEMU");

	cleanup_free char *text = probe_output(out);
	if (!text)
		return kata_fail(err, ENOMEM, "accelerator probe: out of memory");
	const char *failed = kvm_failure(text, line, sizeof(line));
	if (!failed && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    strstr(text, "Kernel panic"))
		return 1;
	if (failed) {
		snprintf(reason, size, "the guest kernel failed: %s", failed);
	} else {
		char how[128];
		qemu_proc_status_str(status, how, sizeof(how));
		snprintf(reason, size, "the guest kernel did not boot to its root mount (qemu %s)",
			 how);
	}
	return 0;
}

/* Decides without caching: KVM or TCG, and why. */
static int probe_accel(const char *qemu, const char *kernel, const char *cache_dir,
		       enum vm_accel *ret, struct kata_error *err)
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
	/* Without a kernel (kata check on a broken configuration) only the tiny guest runs;
	 * the key of the cached verdict then differs from a create's, which probes again. */
	if (r == 1 && kernel && *kernel) {
		unsigned long khz = 0;
		if ((r = host_tsc_khz(cache_dir, &khz, err)) < 0)
			return r;
		r = accel_probe_kernel(qemu, kernel, VM_ACCEL_KVM, khz, reason, sizeof(reason),
				       err);
		if (r < 0)
			return r;
	}
	if (r == 1) {
		snprintf(why_buf, sizeof(why_buf), "kvm: probe VMs ran in %lld ms",
			 (long long)(mono_ms() - start));
		*ret = VM_ACCEL_KVM;
	} else {
		snprintf(why_buf, sizeof(why_buf),
			 "kvm: /dev/kvm present but a probe VM failed (%s); using tcg", reason);
		*ret = VM_ACCEL_TCG;
	}
	return 0;
}

/* One cache file per QEMU binary and kernel, so that hosts using several (a wrapper script,
 * a test's kernel) do not probe again at every switch: "accel-<FNV-1a hash of the key>". */
static void cache_name(const char *key, char *buf, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	snprintf(buf, size, "accel-%016llx", (unsigned long long)h);
}

/* The cached verdict for key ("qemu path <tab> kernel key"), if this boot has one. The file
 * holds "kvm|tcg <tab> key <tab> why"; the key is checked, not trusted to the hash. */
static bool cached_accel(const char *cache_dir, const char *key, enum vm_accel *ret,
			 const char **ret_why)
{
	char cached[sizeof(why_buf) + 2 * PATH_MAX + 160], name[32];
	cache_name(key, name, sizeof(name));
	if (hostcache_read(cache_dir, name, cached, sizeof(cached)) < 0)
		return false;
	char *tab = strchr(cached, '\t');
	size_t klen = strlen(key);
	if (!tab || strncmp(tab + 1, key, klen) != 0 || tab[1 + klen] != '\t')
		return false;
	*tab = '\0';
	bool kvm = strcmp(cached, "kvm") == 0;
	if (!kvm && strcmp(cached, "tcg") != 0)
		return false;
	snprintf(why_buf, sizeof(why_buf), "%s", tab + 2 + klen);
	*ret = kvm ? VM_ACCEL_KVM : VM_ACCEL_TCG;
	if (ret_why)
		*ret_why = why_buf;
	return true;
}

int vm_probe_accel(const char *qemu_path, const char *kernel, const char *cache_dir,
		   enum vm_accel *ret, const char **ret_why, struct kata_error *err)
{
	const char *qemu = qemu_path ? qemu_path : QEMU_DEFAULT_PATH;
	/* A rebuilt kernel probes again. */
	char key[2 * PATH_MAX + 128];
	char kkey[PATH_MAX + 64] = "-";
	if (kernel && *kernel)
		hostcache_file_id(kernel, kkey, sizeof(kkey));
	snprintf(key, sizeof(key), "%s\t%s", qemu, kkey);
	char cached[sizeof(why_buf) + sizeof(key) + 16];

	if (cached_accel(cache_dir, key, ret, ret_why))
		return 0;
	/* Concurrent creates on a fresh host would each run a probe (10 s of a CPU each where
	 * KVM fails slowly): one probes, the others wait for its verdict. */
	char name[32];
	cache_name(key, name, sizeof(name));
	cleanup_close int lock = cache_dir ? hostcache_lock(cache_dir, name, err) : -1;
	if (cache_dir && lock < 0)
		return lock;
	if (cached_accel(cache_dir, key, ret, ret_why))
		return 0;

	enum vm_accel accel;
	int r = probe_accel(qemu, kernel, cache_dir, &accel, err);
	if (r < 0)
		return r;
	snprintf(cached, sizeof(cached), "%s\t%s\t%s", accel == VM_ACCEL_KVM ? "kvm" : "tcg", key,
		 why_buf);
	r = hostcache_write(cache_dir, name, cached, err);
	if (r < 0)
		return r;
	*ret = accel;
	if (ret_why)
		*ret_why = why_buf;
	return 0;
}
