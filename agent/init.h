/* SPDX-License-Identifier: Apache-2.0 */
/* PID 1 duties: the guest's pseudo filesystems, and powering off instead of panicking. */
#ifndef AGENT_INIT_H
#define AGENT_INIT_H

/*
 * pivot_root(2) refuses to move away from the initial rootfs, so containers could not pivot.
 * PID 1, started from the initramfs, moves a fresh tmpfs over / and chroots into it; the
 * initramfs stays mounted underneath, out of reach. Returns 0 or a negative errno.
 */
int init_leave_initramfs(void);

/* Mounts proc, sys, dev, dev/pts, dev/shm, run and the cgroup2 hierarchy. */
int init_mount_pseudo_filesystems(void);

/* Flushes filesystems and powers the VM off. Never returns. */
_Noreturn void init_power_off(void);

/* Logs the message to the console and powers off: PID 1 must not exit into a kernel panic. */
_Noreturn void init_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
