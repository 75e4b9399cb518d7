/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QEMU command line. Choices measured under TCG on a 2-core host (median of 5 boots of a
 * minimal 6.1 PVH kernel to its init's first line: ~0.6 s):
 *  - microvm with x-option-roms=off: no PCI, no firmware option ROMs, ~20 ms faster;
 *    rtc=off made boots ~2 s slower, so the RTC stays; ACPI stays so a guest poweroff works.
 *  - tb-size bounds the TCG translation cache (QEMU's default is 1 GiB). Under TCG most guest
 *    time goes to translating code that runs once, and a full cache is flushed and its hot
 *    code translated again. A QEMU plugin counted, for a booted kata run true with 16 MiB,
 *    376k guest instructions translated, 148k of them again after a flush (the floor: 214k
 *    and 63k). Booted VMs get 32 MiB: kata run true / floor went from 1.59 to 1.40 (medians
 *    of 15 interleaved rounds), for ~15 MiB more PSS per idle VM (30 MiB of cache filled,
 *    against 15). A VM restored from the template translates only its container's set-up,
 *    about one 16 MiB cache (22% retranslated); it keeps 16 MiB, which holds 50 idle clones
 *    under 40 MiB each, where 32 MiB would add ~1 MiB per clone.
 *  - guest RAM is a private memfd, not anonymous memory: QEMU asks for transparent huge pages
 *    on anonymous RAM, so each 4 KiB the guest touches could cost the host 2 MiB (48 -> 41.6
 *    MiB touched by an idle 128 MiB guest).
 *  - virtio-balloon with free-page-reporting: memory the guest frees goes back to the host
 *    (a 50 MiB tmpfs file written and removed left +53 MiB PSS without, +3.6 MiB with it).
 *  - tsc_early_khz: without it microvm guests hung at boot whenever the host CPU was busy.
 *  - -no-reboot: a guest reboot or panic ends QEMU instead of booting again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "qemu_opts.h"
#include "qemu_priv.h"

#define MACHINE		     "microvm,x-option-roms=off"
#define TCG_ACCEL_BOOT	     "tcg,tb-size=32"
#define TCG_ACCEL_RESTORE    "tcg,tb-size=16"
#define TCG_CPU		     "max" /* the widest x86-64 feature set TCG emulates (RDRAND, AVX2) */
#define BALLOON		     "virtio-balloon-device,free-page-reporting=on"
#define BALLOON_NO_REPORTING "virtio-balloon-device"
#define DEFAULT_MEMORY_MIB   128
/* Kata's value; the default of 128 descriptors limits requests in flight. */
#define VIRTIOFS_QUEUE_SIZE 1024

static const char kernel_base_params[] =
    "console=ttyS0 panic=-1 tsc=reliable no_timer_check cryptomgr.notests i8042.noaux "
    "i8042.nomux i8042.nopnp i8042.dumbkbd 8250.nr_uarts=1 mitigations=off nokaslr audit=0 "
    "random.trust_cpu=on";

char *qemu_kernel_cmdline(const struct vm_config *cfg, unsigned long tsc_khz)
{
	char tsc[48] = "";
	if (tsc_khz)
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", tsc_khz);
	char *out = NULL;
	if (asprintf(&out, "%s%s%s%s%s%s", kernel_base_params, cfg->debug ? "" : " quiet",
		     cfg->debug || cfg->agent_debug ? " agent.log=debug" : "", tsc,
		     cfg->kernel_params && *cfg->kernel_params ? " " : "",
		     cfg->kernel_params ? cfg->kernel_params : "") < 0)
		return NULL;
	return out;
}

/* Appends before + path (commas doubled) + after. */
static int add_escaped_opt(struct strv *argv, const char *before, const char *path,
			   const char *after)
{
	cleanup_free char *esc = qemu_opt_escape(path);
	if (!esc)
		return -ENOMEM;
	return strv_addf(argv, "%s%s%s", before, esc, after);
}

/* virtio-fs: the device talks to virtiofsd's socket (guest RAM is a shared memfd). */
static int add_virtio_fs(const struct vm_config *cfg, const struct qemu_launch *l,
			 struct strv *argv)
{
	if (strv_add(argv, "-chardev") < 0 ||
	    add_escaped_opt(argv, "socket,id=vfs,path=", l->virtiofs_socket, "") < 0 ||
	    strv_add(argv, "-device") < 0 ||
	    strv_addf(argv, "vhost-user-fs-device,chardev=vfs,tag=%s,queue-size=%d", VM_SHARE_TAG,
		      VIRTIOFS_QUEUE_SIZE) < 0)
		return -ENOMEM;
	return 0;
}

/* virtio-net on the tap fds: no vhost-net (absent here), QEMU moves the frames itself. */
static int add_nics(const struct vm_config *cfg, struct strv *argv)
{
	for (size_t i = 0; i < cfg->n_nics; i++) {
		const unsigned char *m = cfg->nics[i].mac;
		if (strv_add(argv, "-netdev") < 0 ||
		    strv_addf(argv, "tap,id=net%zu,fd=%d", i, cfg->nics[i].tap_fd) < 0 ||
		    strv_add(argv, "-device") < 0 ||
		    strv_addf(argv,
			      "virtio-net-device,netdev=net%zu,mac=%02x:%02x:%02x:%02x:%02x:%02x",
			      i, m[0], m[1], m[2], m[3], m[4], m[5]) < 0)
			return -ENOMEM;
	}
	return 0;
}

int qemu_build_argv(const struct vm_config *cfg, const struct qemu_launch *l, struct strv *argv,
		    struct kata_error *err)
{
	bool kvm = l->accel == VM_ACCEL_KVM;
	bool virtio_fs = cfg->shared_dir && cfg->shared_fs == VM_SHARED_FS_VIRTIO_FS;
	if (virtio_fs && !l->virtiofs_socket)
		return kata_fail(err, EINVAL,
				 "building the QEMU command line: no virtiofsd socket");
	cleanup_free char *cmdline = qemu_kernel_cmdline(cfg, l->tsc_khz);
	if (!cmdline)
		goto nomem;

	/* clang-format off */
	const char *fixed[] = {
		cfg->qemu_path ? cfg->qemu_path : QEMU_DEFAULT_PATH,
		"-M", MACHINE ",memory-backend=mem",
		"-accel", kvm ? "kvm" : cfg->incoming_state ? TCG_ACCEL_RESTORE : TCG_ACCEL_BOOT,
		"-cpu", kvm ? "host" : TCG_CPU,
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-global", "virtio-mmio.force-legacy=false",
		"-kernel", cfg->kernel,
		"-initrd", cfg->initrd,
		"-append", cmdline,
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strv_add(argv, fixed[i]) < 0)
			goto nomem;
	if (strv_add(argv, "-name") < 0 ||
	    add_escaped_opt(argv, "", cfg->name ? cfg->name : "kata", "") < 0)
		goto nomem;
	unsigned mib = cfg->memory_mib ? cfg->memory_mib : DEFAULT_MEMORY_MIB;
	if (cfg->mem_file) {
		/* vhost-user-fs cannot migrate, and a clone's private RAM could not be shared
		 * with virtiofsd anyway. */
		if (virtio_fs)
			return kata_fail(err, EINVAL,
					 "building the QEMU command line: a VM template needs 9p, "
					 "not virtio-fs");
		cleanup_free char *path = qemu_opt_escape(cfg->mem_file);
		if (!path || strv_add(argv, "-object") < 0 ||
		    strv_addf(argv, "memory-backend-file,id=mem,size=%uM,share=%s,mem-path=%s", mib,
			      cfg->mem_file_shared ? "on" : "off", path) < 0)
			goto nomem;
	} else if (strv_add(argv, "-object") < 0 ||
		   /* virtio-fs: vhost-user maps guest memory into virtiofsd: it must be shared. */
		   strv_addf(argv, "memory-backend-memfd,id=mem,size=%uM,share=%s", mib,
			     virtio_fs ? "on" : "off") < 0) {
		goto nomem;
	}
	/* No free page reporting on a template's RAM: QEMU 7.2 discards a reported page of a
	 * file-backed RAM block by punching a hole in the file even when the mapping is private,
	 * which would zero that page under every other clone of the template. */
	if (strv_add(argv, "-device") < 0 ||
	    strv_add(argv, cfg->mem_file ? BALLOON_NO_REPORTING : BALLOON) < 0)
		goto nomem;
	if (cfg->incoming_state && (strv_add(argv, "-incoming") < 0 || strv_add(argv, "defer") < 0))
		goto nomem;
	if (strv_add(argv, "-m") < 0 || strv_addf(argv, "%uM", mib) < 0 ||
	    strv_add(argv, "-smp") < 0 || strv_addf(argv, "%u", cfg->vcpus ? cfg->vcpus : 1) < 0)
		goto nomem;

	/* append=on: the monitor may cut the log short under QEMU (monitor_console_log.c). */
	if (strv_add(argv, "-chardev") < 0 ||
	    add_escaped_opt(argv, "file,id=console,path=", l->console_path, ",append=on") < 0 ||
	    strv_add(argv, "-serial") < 0 || strv_add(argv, "chardev:console") < 0)
		goto nomem;
	/* wait=off: QEMU starts without waiting for us; we connect when its socket exists. */
	if (strv_add(argv, "-chardev") < 0 ||
	    add_escaped_opt(argv, "socket,id=qmp,path=", l->qmp_path, ",server=on,wait=off") < 0 ||
	    strv_add(argv, "-mon") < 0 || strv_add(argv, "chardev=qmp,mode=control") < 0)
		goto nomem;

	if (virtio_fs && add_virtio_fs(cfg, l, argv) < 0)
		goto nomem;
	if (cfg->shared_dir && !virtio_fs) {
		/* multidevs=remap: the share holds bind mounts from several filesystems. */
		if (strv_add(argv, "-fsdev") < 0 ||
		    add_escaped_opt(argv, "local,id=share,path=", cfg->shared_dir,
				    ",security_model=none,multidevs=remap") < 0 ||
		    strv_add(argv, "-device") < 0 ||
		    strv_addf(argv, "virtio-9p-device,fsdev=share,mount_tag=%s", VM_SHARE_TAG) < 0)
			goto nomem;
	}
	if (add_nics(cfg, argv) < 0)
		goto nomem;
	return channel_qemu_args(l->channel, argv, err);

nomem:
	return kata_fail(err, ENOMEM, "building the QEMU command line: out of memory");
}
