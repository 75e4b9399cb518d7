/* SPDX-License-Identifier: Apache-2.0 */
/* logs: the files a container's VM writes into its state directory, for debugging. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "error.h"

static const char *const log_names[] = {
    [KATA_VM_LOG_CONSOLE] = "console.log",
    [KATA_VM_LOG_QEMU] = "qemu.log",
    [KATA_VM_LOG_VIRTIOFSD] = "virtiofsd.log",
};

const char *kata_vm_log_name(enum kata_vm_log kind)
{
	return (unsigned)kind < sizeof(log_names) / sizeof(*log_names) ? log_names[kind] : NULL;
}

int kata_container_log_path(const struct kata_context *ctx, const char *id, enum kata_vm_log kind,
			    char ret[PATH_MAX], struct kata_error *err)
{
	const char *name = kata_vm_log_name(kind);
	if (!name)
		return kata_fail(err, EINVAL, "unknown log kind %d", (int)kind);
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	container_state_clear(&st);
	if (snprintf(ret, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return kata_fail(err, ENAMETOOLONG, "%s/%s: path too long", dir, name);
	/* virtiofsd.log exists only for a VM that shares over virtio-fs. */
	if (access(ret, R_OK) < 0)
		return kata_fail_errno(err, errno, "container %s has no %s", id, name);
	return 0;
}
