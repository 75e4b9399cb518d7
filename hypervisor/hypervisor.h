/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VM drivers behind one interface. The QEMU driver builds the command line (-M microvm, PVH
 * vmlinux, initramfs), runs QEMU as a child of the caller, and controls it over QMP.
 */
#ifndef KATA_HYPERVISOR_H
#define KATA_HYPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "channel.h"
#include "kata.h"

enum vm_accel { VM_ACCEL_AUTO = 0, VM_ACCEL_KVM, VM_ACCEL_TCG };

/* How shared_dir reaches the guest: QEMU's own 9p server, or virtiofsd over vhost-user. */
enum vm_shared_fs { VM_SHARED_FS_9P = 0, VM_SHARED_FS_VIRTIO_FS };

/* virtiofsd's cache= mode: AUTO (guest cache dropped on open), ALWAYS (kept), NEVER (none). */
enum vm_virtiofs_cache {
	VM_VIRTIOFS_CACHE_AUTO = 0,
	VM_VIRTIOFS_CACHE_ALWAYS,
	VM_VIRTIOFS_CACHE_NEVER
};

/* A virtio-net device backed by a tap the caller opened (QEMU inherits the fd). */
struct vm_nic {
	int tap_fd;
	unsigned char mac[6];
};

#define VM_MAX_NICS 8

struct vm_config {
	const char *qemu_path;	   /* NULL: /usr/bin/qemu-system-x86_64 */
	const char *name;	   /* guest name shown by ps (-name); NULL: "kata" */
	const char *kernel;	   /* PVH-bootable vmlinux */
	const char *initrd;	   /* initramfs with the agent as /init */
	const char *kernel_params; /* appended to the built-in command line, or NULL */
	unsigned vcpus;		   /* 0: 1 */
	unsigned memory_mib;	   /* 0: 128 */
	const char *run_dir;	   /* per-VM directory (0700): qmp.sock, console.log, sockets */
	const char *shared_dir;	   /* exported with mount tag VM_SHARE_TAG, over shared_fs */
	enum vm_shared_fs shared_fs;
	const char *virtiofsd_path; /* VM_SHARED_FS_VIRTIO_FS; NULL: VM_VIRTIOFSD_DEFAULT */
	enum vm_virtiofs_cache virtiofs_cache;
	const char *cache_dir; /* where host probes (accelerator, TSC rate) are cached */
	enum vm_accel accel;   /* AUTO: KVM only when a probe VM really runs */
	struct channel_config channel;
	bool debug;		   /* verbose guest kernel console, and agent.log=debug */
	bool agent_debug;	   /* agent.log=debug only */
	const struct vm_nic *nics; /* n_nics <= VM_MAX_NICS; the caller keeps the fds */
	size_t n_nics;
	/* VM templating (template.c), 9p only: guest RAM in mem_file instead of a private memfd.
	 * The template VM maps it shared (mem_file_shared) and is saved with vm_save_template; a
	 * clone maps it private and loads incoming_state instead of booting. */
	const char *mem_file;
	bool mem_file_shared;
	const char *incoming_state;
};

#define VM_SHARE_TAG	     "kataShared"
#define VM_VIRTIOFSD_DEFAULT "/usr/lib/qemu/virtiofsd"
#define VM_VIRTIOFS_SOCKET   "vfs.sock" /* in run_dir */

struct vm;
struct qmp;

/*
 * Starts QEMU as a child (killed if the calling thread exits) and completes the QMP handshake.
 * With VM_SHARED_FS_VIRTIO_FS, first starts virtiofsd for shared_dir, also a child killed with
 * the calling thread, stopped with the VM; its output goes to run_dir/virtiofsd.log.
 * Creates run_dir if missing; QEMU's own output goes to run_dir/qemu.log. The caller keeps
 * ownership of cfg->channel.vhost_fd (QEMU gets a copy) and may release it afterwards.
 */
int vm_start(const struct vm_config *cfg, struct vm **ret_vm, struct kata_error *err);

/* Pauses a template VM (started with mem_file_shared) and saves its device state to
 * state_path; its RAM is already in mem_file. The VM stays paused: stop it afterwards. */
int vm_save_template(struct vm *vm, const char *state_path, struct kata_error *err);

/* The QEMU process id. */
pid_t vm_pid(const struct vm *vm);

/* The virtiofsd process id, or -1 when the VM shares over 9p (or virtiofsd was reaped). */
pid_t vm_virtiofsd_pid(const struct vm *vm);

/* Tells the driver the caller already reaped virtiofsd: it is not waited for, nor killed. */
void vm_mark_virtiofsd_exited(struct vm *vm);

/* Connects to the agent over the configured channel; returns an O_CLOEXEC fd. */
int vm_connect_agent(struct vm *vm, int timeout_ms, struct kata_error *err);

/* Tells the driver the caller already reaped QEMU (for example from its SIGCHLD handling). */
void vm_mark_exited(struct vm *vm, int wait_status);

/* Stops the VM: QMP quit, SIGKILL after timeout_ms, and reaps QEMU. Safe to call twice. */
int vm_stop(struct vm *vm, int timeout_ms);

/* Closes the QMP connection (QEMU accepts one client: a VM handed over must let go of it). */
void vm_release_qmp(struct vm *vm);

/*
 * Takes over a QEMU started by another process (a VM factory keeper) whose files are in
 * run_dir (qmp.sock, console.log, qemu.log): connects QMP. `watcher` is the caller's child
 * that exits when that QEMU does and whose death makes the keeper kill it, so it stands for
 * QEMU in vm_pid, vm_mark_exited and vm_stop. On failure the watcher is killed and reaped.
 */
int vm_adopt(const char *run_dir, pid_t watcher, const struct channel_config *channel,
	     struct vm **ret_vm, struct kata_error *err);

/* Stops the VM if still running and frees it; accepts NULL and returns NULL. */
struct vm *vm_free(struct vm *vm);

/* Path of the guest console log (kernel and agent output). */
const char *vm_console_path(const struct vm *vm);

/* Path of QEMU's own stdout/stderr log (its error messages). */
const char *vm_qemu_log_path(const struct vm *vm);

/* The QMP connection (for example to poll it for SHUTDOWN events); NULL once stopped. */
struct qmp *vm_qmp(struct vm *vm);

/* QEMU's wait status once it was reaped (by vm_stop, or as told by vm_mark_exited), else -1. */
int vm_exit_status(const struct vm *vm);

/* The accelerator the VM uses once started. */
enum vm_accel vm_accel_used(const struct vm *vm);

/*
 * Probes the accelerator: KVM only when probe VMs (a tiny guest, then `kernel` booted to its
 * root mount) really run; cached in cache_dir per QEMU binary and kernel. kernel may be NULL
 * (only the tiny guest runs). *ret_why stays valid until the next call in the same thread.
 */
int vm_probe_accel(const char *qemu_path, const char *kernel, const char *cache_dir,
		   enum vm_accel *ret, const char **ret_why, struct kata_error *err);

/* The host TSC rate in kHz (needed by microvm guests as tsc_early_khz); cached in cache_dir. */
int host_tsc_khz(const char *cache_dir, unsigned long *ret_khz, struct kata_error *err);

#endif
