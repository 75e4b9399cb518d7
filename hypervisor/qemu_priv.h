/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the QEMU driver shared by its files and unit tests. */
#ifndef KATA_QEMU_PRIV_H
#define KATA_QEMU_PRIV_H

#include "hypervisor.h"
#include "strv.h"

struct qmp;

#define QEMU_DEFAULT_PATH "/usr/bin/qemu-system-x86_64"

/* What vm_start decided before building the command line. */
struct qemu_launch {
	enum vm_accel accel;		      /* KVM or TCG, never AUTO */
	unsigned long tsc_khz;		      /* host TSC rate for tsc_early_khz; 0: omit */
	const char *qmp_path;		      /* QMP unix socket QEMU listens on */
	const char *console_path;	      /* guest serial console output file */
	const char *virtiofs_socket;	      /* virtiofsd's vhost-user socket (virtio-fs) */
	const struct channel_config *channel; /* with the vhost fd number QEMU will inherit */
};

/* The guest kernel command line (malloc'ed), or NULL on ENOMEM. */
char *qemu_kernel_cmdline(const struct vm_config *cfg, unsigned long tsc_khz);

/* Appends the full QEMU command line, program path first, to argv. */
int qemu_build_argv(const struct vm_config *cfg, const struct qemu_launch *l, struct strv *argv,
		    struct kata_error *err);

/* Writes the accelerator probe guest (a PVH ELF that exits QEMU via isa-debug-exit) to fd. */
int accel_probe_write_elf(int fd);

/* Runs the probe VM: 1 if its guest code ran, 0 if not (QEMU's reason in reason), or -errno. */
int accel_probe_vm(const char *qemu, enum vm_accel accel, char *reason, size_t size,
		   struct kata_error *err);

/* Boots `kernel` without initrd or root under accel: 1 if it reached its root mount (a panic
 * QEMU exits on), 0 if not (why in reason: a KVM emulation failure, a timeout), or -errno. */
int accel_probe_kernel(const char *qemu, const char *kernel, enum vm_accel accel,
		       unsigned long tsc_khz, char *reason, size_t size, struct kata_error *err);

/* Pauses the VM and migrates its device state (not its RAM: x-ignore-shared) to state_path. */
int qemu_template_save(struct qmp *q, const char *state_path, struct kata_error *err);

/* Loads state_path into a QEMU started with -incoming defer, then resumes the VM. */
int qemu_template_restore(struct qmp *q, const char *state_path, struct kata_error *err);

/* The exit status QEMU reports when the probe guest ran: (value << 1) | 1. */
#define ACCEL_PROBE_EXIT_STATUS ((0x2a << 1) | 1)

#endif
