/* SPDX-License-Identifier: Apache-2.0 */
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define NEWROOT "/.kata-root"

struct pseudo_mount {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

static const struct pseudo_mount pseudo_mounts[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"},
    {"shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
    {"cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
};

int init_leave_initramfs(void)
{
	static const char *const dirs[] = {"dev", "proc", "sys", "run", "tmp", "etc"};
	if (mkdir(NEWROOT, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("rootfs", NEWROOT, "tmpfs", 0, "mode=0755") < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[64];
		snprintf(p, sizeof(p), NEWROOT "/%s", dirs[i]);
		if (mkdir(p, strcmp(dirs[i], "tmp") == 0 ? 01777 : 0755) < 0)
			return -errno;
	}
	/* No copy of /init and no re-exec (~40 ms under TCG): this process keeps its mapping of
	 * the initramfs file, and nothing runs the agent's binary again. */
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return -errno;
	return 0;
}

int init_mount_pseudo_filesystems(void)
{
	for (size_t i = 0; i < sizeof(pseudo_mounts) / sizeof(pseudo_mounts[0]); i++) {
		const struct pseudo_mount *m = &pseudo_mounts[i];
		if (mkdir(m->target, 0755) < 0 && errno != EEXIST) {
			log_error("mkdir %s: %s", m->target, strerror(errno));
			return -errno;
		}
		if (mount(m->source, m->target, m->type, m->flags, m->data) < 0) {
			/* The kernel may have mounted devtmpfs itself (CONFIG_DEVTMPFS_MOUNT). */
			if (errno == EBUSY)
				continue;
			int e = errno;
			log_error("mount %s on %s: %s", m->type, m->target, strerror(e));
			return -e;
		}
	}
	/* The ptmx of our devpts instance, not devtmpfs's, must serve posix_openpt. */
	unlink("/dev/ptmx");
	if (symlink("pts/ptmx", "/dev/ptmx") < 0 && errno != EEXIST)
		log_warn("symlink /dev/ptmx: %s", strerror(errno));
	return 0;
}

_Noreturn void init_power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached when power off failed: halting keeps the message visible. */
	log_error("power off failed: %s", strerror(errno));
	reboot(RB_HALT_SYSTEM);
	for (;;)
		pause();
}

_Noreturn void init_fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("fatal: %s; powering off", msg);
	init_power_off();
}
