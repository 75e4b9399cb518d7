/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's side of the VM pool: claiming a ready VM, moving the share in, adopting it. */
#include "factory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"

/* Connects to the keeper of the VM whose directory is dirfd; its pid in *ret_pid. */
static int connect_keeper(int dirfd, pid_t *ret_pid)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/keeper.sock", dirfd);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	*ret_pid = cred.pid;
	return fd;
}

int factory_claim(const struct runtime_config *cfg, struct factory_vm *ret, struct kata_error *err)
{
	if (factory_unsupported(cfg))
		return 0;
	cleanup_free char *want = factory_fingerprint(cfg);
	if (!want)
		return kata_fail(err, ENOMEM, "out of memory");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms", factory_dir());
	cleanup_dir DIR *d = opendir(path);
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		int vmfd = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (vmfd < 0)
			continue;
		/* The rename is the claim: of two claimers, exactly one moves "ready". */
		if (!file_equals_at(vmfd, "fingerprint", want) ||
		    renameat(vmfd, "ready", vmfd, "claimed") < 0) {
			close(vmfd);
			continue;
		}
		pid_t keeper = -1;
		int conn = connect_keeper(vmfd, &keeper);
		if (conn < 0) {
			close(vmfd); /* its keeper died: the next fill removes it */
			continue;
		}
		snprintf(ret->dir, sizeof(ret->dir), "%s/%s", path, de->d_name);
		ret->dirfd = vmfd;
		ret->conn = conn;
		ret->keeper = keeper;
		return 1;
	}
	return 0;
}

void factory_vm_release(struct factory_vm *v)
{
	if (v->conn >= 0)
		close(v->conn);
	if (v->dirfd >= 0)
		close(v->dirfd);
	v->conn = v->dirfd = -1;
}

/*
 * Moves a recursive copy of src to <vm dir>/shared/<id> in the keeper's mount namespace. The
 * copy is taken here, in our namespace, where the container's rootfs is mounted: the keeper's
 * namespace was copied from the host's before that mount existed.
 */
static int move_share_in(const struct factory_vm *v, const char *src, const char *id,
			 struct kata_error *err)
{
	cleanup_close int tree =
	    open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return kata_fail_errno(err, errno, "open_tree %s", src);
	char ns[64], target[PATH_MAX];
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)v->keeper);
	snprintf(target, sizeof(target), "%s/shared/%s", v->dir, id);
	cleanup_close int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return kata_fail_errno(err, errno, "open %s", ns);
	if (mkdir(target, 0700) < 0 && errno != EEXIST)
		return kata_fail_errno(err, errno, "mkdir %s", target);
	/* setns(CLONE_NEWNS) needs a single-threaded process: a short-lived child does it. */
	pid_t child = fork();
	if (child < 0)
		return kata_fail_errno(err, errno, "fork");
	if (child == 0) {
		if (setns(nsfd, CLONE_NEWNS) < 0)
			_exit(1);
		if (move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			_exit(2);
		_exit(0);
	}
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return kata_fail(err, EIO, "moving %s into the pooled VM's share: %s failed", src,
				 WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "setns"
									       : "move_mount");
	return 0;
}

/* The watcher: holds the keeper connection and exits when the keeper reports QEMU's end. */
static pid_t fork_watcher(int conn, struct kata_error *err)
{
	pid_t parent = getpid();
	pid_t child = fork();
	if (child < 0)
		return kata_fail_errno(err, errno, "fork");
	if (child > 0)
		return child;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(255);
	prctl(PR_SET_NAME, "kata-vm-watch");
	/* Not the container's stdio: a reader waiting for EOF must not wait for us. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (conn > 3)
		close_range(3, (unsigned)conn - 1, 0);
	close_range((unsigned)conn + 1, ~0U, 0);
	int status = 0;
	ssize_t n;
	while ((n = read(conn, &status, sizeof(status))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(status))
		_exit(255);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int factory_adopt(struct factory_vm *v, const char *src, const char *id,
		  struct channel_config *ret_channel, struct vm **ret_vm, struct kata_error *err)
{
	int rc = move_share_in(v, src, id, err);
	char run_dir[64];
	snprintf(run_dir, sizeof(run_dir), "/proc/self/fd/%d", v->dirfd);
	const char *why = NULL;
	if (rc >= 0)
		rc = channel_prepare(ret_channel, run_dir, CHANNEL_VIRTIO_SERIAL, &why, err);
	pid_t watcher = rc >= 0 ? fork_watcher(v->conn, err) : -1;
	if (rc >= 0 && watcher < 0)
		rc = watcher;
	/* From here the watcher holds the connection; ours closing changes nothing. */
	close(v->conn);
	v->conn = -1;
	if (rc < 0)
		return rc;
	rc = vm_adopt(run_dir, watcher, ret_channel, ret_vm, err);
	if (rc == 0)
		v->dirfd = -1; /* stays open: run_dir names it for the life of the VM */
	return rc;
}
