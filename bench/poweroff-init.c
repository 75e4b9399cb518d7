/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor guest's /init: powers the VM off the moment the kernel starts it (microvm has
 * ACPI, so QEMU exits). No libc: the initramfs holds a few kilobytes, and what is measured is
 * QEMU's start, the kernel's boot to init, the power-off and QEMU's exit.
 */
#include <linux/reboot.h>
#include <sys/syscall.h>

static long sys3(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long sys4(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

void _start(void)
{
	sys4(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, 0);
	for (;;)
		sys3(SYS_pause, 0, 0, 0);
}
