/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtiofsd, the vhost-user file server of a virtio-fs share: one per VM, a child of the
 * caller (the monitor), so it runs in the monitor's private mount namespace and sees the
 * rootfs and volume bind mounts made there.
 */
#include "virtiofsd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "qemu_proc.h"
#include "strv.h"

#define VIRTIOFSD_PROBE_MS 3000

/*
 * We bind and listen ourselves and hand virtiofsd the listening fd (--fd): QEMU can connect
 * as soon as we return, its connection waiting in the backlog until virtiofsd accepts, with no
 * polling for a socket file that virtiofsd would create later.
 */
static int listen_unix(const char *path, struct kata_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return kata_fail(err, ENAMETOOLONG, "virtiofsd socket path %s is too long", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (unlink(path) < 0 && errno != ENOENT)
		return kata_fail_errno(err, errno, "removing stale %s", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "creating the virtiofsd socket");
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return kata_fail_errno(err, errno, "binding %s", path);
	if (listen(fd, 1) < 0)
		return kata_fail_errno(err, errno, "listening on %s", path);
	/* Numbered above stdio: qemu_proc_spawn only passes fds >= 3. */
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (hi < 0)
		return kata_fail_errno(err, errno, "duplicating the virtiofsd socket");
	return hi;
}

int virtiofsd_build_argv(const char *daemon, const char *source, enum vm_virtiofs_cache cache,
			 int fd, struct strv *argv)
{
	static const char *const modes[] = {
	    [VM_VIRTIOFS_CACHE_AUTO] = "auto",
	    [VM_VIRTIOFS_CACHE_ALWAYS] = "always",
	    [VM_VIRTIOFS_CACHE_NEVER] = "none",
	};
	/*
	 * -f: stay in the foreground, our child. cache=auto (Kata's default): the guest drops
	 * its page cache of a file on open, so host changes are seen. announce_submounts: each bind
	 * mount under the share (rootfs, volumes) is its own guest mount with its own st_dev, so
	 * inode numbers from different host filesystems cannot collide. --rlimit-nofile=0: keep our
	 * limit; raising it needs CAP_SYS_RESOURCE, which a container host may not grant.
	 */
	if (strv_add(argv, daemon) < 0 || strv_addf(argv, "--fd=%d", fd) < 0 ||
	    strv_add(argv, "-f") < 0 || strv_add(argv, "-o") < 0 ||
	    strv_addf(argv, "source=%s", source) < 0 || strv_add(argv, "-o") < 0 ||
	    strv_addf(argv, "cache=%s", modes[cache]) < 0 || strv_add(argv, "-o") < 0 ||
	    strv_add(argv, "announce_submounts") < 0 || strv_add(argv, "--rlimit-nofile=0") < 0)
		return -ENOMEM;
	return 0;
}

int virtiofsd_start(const char *daemon, const char *shared_dir, enum vm_virtiofs_cache cache,
		    const char *socket_path, const char *log_path, pid_t *ret_pid,
		    struct kata_error *err)
{
	if (access(daemon, X_OK) < 0)
		return kata_fail_errno(err, errno, "virtio-fs: virtiofsd %s", daemon);
	/* virtiofsd pivots into its source: give it the real directory, not one relative to a
	 * cwd it may not keep. */
	char source[PATH_MAX];
	if (!realpath(shared_dir, source))
		return kata_fail_errno(err, errno, "virtio-fs: shared directory %s", shared_dir);
	cleanup_close int fd = listen_unix(socket_path, err);
	if (fd < 0)
		return fd;
	cleanup_strv struct strv argv = {0};
	if (virtiofsd_build_argv(daemon, source, cache, fd, &argv) < 0)
		return kata_fail(err, ENOMEM, "starting virtiofsd: out of memory");
	cleanup_close int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log < 0)
		return kata_fail_errno(err, errno, "creating %s", log_path);
	struct qemu_proc_spec spec = {
	    .argv = argv.v,
	    .stdout_fd = log,
	    .keep_fds = &fd,
	    .n_keep = 1,
	    .new_pgrp = true,
	};
	int rc = qemu_proc_spawn(&spec, ret_pid, err);
	if (rc < 0)
		return kata_error_prefix(err, rc, "starting virtiofsd");
	return 0;
}

bool virtiofsd_usable(const char *daemon, char *why, size_t size)
{
	if (access(daemon, X_OK) < 0) {
		snprintf(why, size, "%s: %s", daemon, strerror(errno));
		return false;
	}
	/* A binary that does not even print its version (wrong architecture, missing libraries)
	 * would fail only once a VM boots: find out now, for ~2 ms. */
	char *const argv[] = {(char *)daemon, "--version", NULL};
	struct qemu_proc_spec spec = {.argv = argv, .stdout_fd = -1};
	struct kata_error e = {0};
	pid_t pid;
	if (qemu_proc_spawn(&spec, &pid, &e) < 0) {
		snprintf(why, size, "%s", e.msg);
		return false;
	}
	int status = 0;
	if (qemu_proc_wait(pid, VIRTIOFSD_PROBE_MS, &status) == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		qemu_proc_wait(pid, -1, NULL);
		snprintf(why, size, "%s --version did not finish within %d ms", daemon,
			 VIRTIOFSD_PROBE_MS);
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[128];
		qemu_proc_status_str(status, how, sizeof(how));
		snprintf(why, size, "%s --version %s", daemon, how);
		return false;
	}
	snprintf(why, size, "%s runs", daemon);
	return true;
}

void virtiofsd_stop(pid_t pid, int timeout_ms)
{
	if (pid <= 0)
		return;
	/* Someone else (the monitor's SIGCHLD handling) reaped it: the pid is not ours to kill. */
	if (qemu_proc_wait(pid, 0, NULL) != -ETIMEDOUT)
		return;
	/* It exits by itself once QEMU closes the vhost-user connection. */
	if (qemu_proc_wait(pid, timeout_ms, NULL) == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		qemu_proc_wait(pid, -1, NULL);
	}
}
