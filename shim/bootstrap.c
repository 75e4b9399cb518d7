/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sub-commands containerd runs. `start` (cwd: the bundle) binds the task's ttrpc socket,
 * forks the daemon that serves it, writes the bundle's `address` file and prints the address:
 * containerd reads start's whole output as the address, so nothing else may be printed and
 * the daemon must not keep start's stdout or stderr. `delete` cleans up after a dead shim and
 * prints a DeleteResponse.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "containerd/task/shim.pb-c.h"
#include "shim.h"
#include "ttrpc.h"

/* FNV-1a over address, namespace and id: a short, stable socket name per task, beside
 * containerd's own socket (as containerd's shims use <dir>/s/<hash>). */
int shim_socket_path(const struct shim_flags *f, char *buf, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[] = {f->address ? f->address : "", f->namespace, f->id};
	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i];; p++) {
			h = (h ^ (uint8_t)*p) * 1099511628211ULL;
			if (!*p)
				break;
		}
	const char *addr = f->address && *f->address ? f->address : "/run/containerd/x";
	if (!strncmp(addr, "unix://", 7))
		addr += 7;
	const char *slash = strrchr(addr, '/');
	int dirlen = slash ? (int)(slash - addr) : 0;
	int n = snprintf(buf, len, "%.*s/s/kata-%016llx", dirlen, addr, (unsigned long long)h);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int listen_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0711) < 0 && errno != EEXIST)
		return -errno;
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket left by a dead shim of the same task is stale: nobody answers on it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return -EADDRINUSE;
	unlink(path);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 16) < 0)
		return -errno;
	return steal_fd(fd);
}

/* The daemon's stdio: nothing in, log lines to containerd's `log` fifo in the bundle. */
static void daemon_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(log >= 0 ? log : null, 2);
		close(null);
	}
	if (log >= 0)
		close(log);
}

static _Noreturn void daemon_main(const struct shim_flags *f, int listen_fd, const char *sock)
{
	setsid();
	daemon_stdio();
	/* The monitor double-forks away from us: as subreaper we are its parent again. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_NAME, "kata-shim");
	static struct shim s;
	s.flags = *f;
	s.listen_fd = listen_fd;
	s.exit_fd = -1;
	s.events_fd = -1;
	if (shim_root(f, s.root, sizeof(s.root)) < 0) {
		shim_log("state root for namespace %s is too long", f->namespace);
		_exit(1);
	}
	s.ctx.root = s.root;
	if (!getcwd(s.bundle, sizeof(s.bundle)))
		snprintf(s.bundle, sizeof(s.bundle), "%s", f->bundle ? f->bundle : ".");
	snprintf(s.socket_path, sizeof(s.socket_path), "%s", sock);
	int rc = server_run(&s);
	if (rc < 0)
		shim_log("serve: %s", strerror(-rc));
	/* Shut down with a task still there (Shutdown with now): it goes with us. */
	if (s.task_created) {
		kata_container_delete(&s.ctx, f->id, true, NULL);
		if (s.rootfs_mounted)
			rootfs_unmount(s.bundle);
	}
	unlink(s.socket_path);
	_exit(rc < 0 ? 1 : 0);
}

int shim_cmd_start(const struct shim_flags *f)
{
	char sock[108];
	int rc = shim_socket_path(f, sock, sizeof(sock));
	if (rc < 0) {
		fprintf(stderr, "socket path for task %s is too long\n", f->id);
		return rc;
	}
	int fd = listen_socket(sock);
	if (fd < 0) {
		fprintf(stderr, "listen on %s: %s\n", sock, strerror(-fd));
		return fd;
	}
	char address[160];
	snprintf(address, sizeof(address), "unix://%s", sock);
	int afd = open("address", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (afd < 0 || write(afd, address, strlen(address)) != (ssize_t)strlen(address)) {
		fprintf(stderr, "write the address file: %s\n", strerror(errno));
		unlink(sock);
		return -EIO;
	}
	close(afd);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		unlink(sock);
		return -errno;
	}
	if (pid == 0)
		daemon_main(f, fd, sock);
	close(fd);
	printf("%s", address);
	return 0;
}

int shim_cmd_delete(const struct shim_flags *f)
{
	struct shim_flags g = *f;
	char bundle[PATH_MAX];
	if (!g.bundle && getcwd(bundle, sizeof(bundle)))
		g.bundle = bundle;
	char root[PATH_MAX];
	struct kata_context ctx = {0};
	if (shim_root(&g, root, sizeof(root)) == 0) {
		ctx.root = root;
		struct kata_error err = {0};
		if (kata_container_delete(&ctx, g.id, true, &err) < 0 && err.status != ENOENT)
			fprintf(stderr, "%s\n", err.msg);
	}
	if (g.bundle)
		rootfs_unmount(g.bundle);
	char sock[108];
	if (shim_socket_path(&g, sock, sizeof(sock)) == 0)
		unlink(sock);

	/* What the dead shim can no longer say: killed, now. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = now.tv_sec;
	ts.nanos = (int32_t)now.tv_nsec;
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	resp.exit_status = 128 + SIGKILL;
	resp.exited_at = &ts;
	cleanup_free uint8_t *buf = NULL;
	ssize_t len = ttrpc_pack_message(&resp.base, &buf);
	if (len < 0 || fwrite(buf, 1, (size_t)len, stdout) != (size_t)len)
		return -EIO;
	return 0;
}
