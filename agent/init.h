/* SPDX-License-Identifier: Apache-2.0 */
/* PID 1 duties: the guest's pseudo filesystems, and powering off instead of panicking. */
#ifndef AGENT_INIT_H
#define AGENT_INIT_H

/*
 * pivot_root(2) refuses to move away from the initial rootfs, so containers could not pivot.
 * When PID 1 runs from the initramfs, this copies it into a tmpfs, moves that over /, chroots
 * and re-executes /init there. Returns only on failure (or when there is nothing to do).
 */
int init_leave_initramfs(char **argv);

/* Mounts proc, sys, dev, dev/pts, dev/shm, run and the cgroup2 hierarchy. */
int init_mount_pseudo_filesystems(void);

/* Flushes filesystems and powers the VM off. Never returns. */
_Noreturn void init_power_off(void);

/* Logs the message to the console and powers off: PID 1 must not exit into a kernel panic. */
_Noreturn void init_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
