/* SPDX-License-Identifier: Apache-2.0 */
/* checkpoint and restore: CRIU would have to run inside the guest and the VM's own state
 * (devices, 9p share) would need saving too; neither exists, so both are refused. */
#include <errno.h>

#include "container.h"
#include "error.h"

int kata_container_checkpoint(const struct kata_context *ctx, const char *id,
			      struct kata_error *err)
{
	return kata_fail(err, ENOTSUP,
			 "checkpoint is not supported: the container runs inside a VM");
}

int kata_container_restore(const struct kata_context *ctx, const char *id, struct kata_error *err)
{
	return kata_fail(err, ENOTSUP, "restore is not supported: the container runs inside a VM");
}
