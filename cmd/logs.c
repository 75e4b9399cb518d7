/* SPDX-License-Identifier: Apache-2.0 */
/* kata logs [--all] ID: the guest console (kernel and agent) kept in the state directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static int copy_to_stdout(const char *path, struct kata_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cmd_error(err, errno, "logs: %s: %s", path, strerror(errno));
	fflush(stdout);
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cmd_error(err, errno, "logs: reading %s: %s", path, strerror(errno));
			break;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = cmd_error(err, errno, "logs: writing: %s", strerror(errno));
				goto out;
			}
			off += w;
		}
	}
out:
	close(fd);
	return rc;
}

int cmd_logs(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const char *const names[] = {"all", NULL};
	bool all = false;
	int rc = cmd_parse_bool_flags(argc, argv, "logs", names, "a", &all, err);
	if (rc < 0)
		return rc;
	if (rc >= argc)
		return cmd_error(err, EINVAL, "logs: a container id is required");
	if (argc - rc > 1)
		return cmd_error(err, EINVAL, "logs: unexpected argument \"%s\"", argv[rc + 1]);
	const char *id = argv[rc];
	char path[4096];
	if (!all) {
		rc = kata_container_log_path(ctx, id, KATA_VM_LOG_CONSOLE, path, err);
		return rc < 0 ? rc : copy_to_stdout(path, err);
	}
	/* Every log the VM wrote, each under a header; virtiofsd.log only exists with virtio-fs. */
	for (int k = KATA_VM_LOG_CONSOLE; k <= KATA_VM_LOG_VIRTIOFSD; k++) {
		struct kata_error e = {0};
		if (kata_container_log_path(ctx, id, (enum kata_vm_log)k, path, &e) < 0) {
			if (e.status == ENOENT && k != KATA_VM_LOG_CONSOLE)
				continue;
			*err = e;
			return -(e.status ? e.status : EIO);
		}
		printf("%s==> %s <==\n", k == KATA_VM_LOG_CONSOLE ? "" : "\n", path);
		if ((rc = copy_to_stdout(path, err)) < 0)
			return rc;
	}
	return 0;
}
