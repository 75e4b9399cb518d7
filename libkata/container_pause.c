/* SPDX-License-Identifier: Apache-2.0 */
/* pause and resume: the monitor stops and continues the VM's vCPUs over QMP. */
#include <errno.h>
#include <string.h>

#include "container.h"
#include "control.h"
#include "error.h"
#include "log.h"

static int pause_or_resume(const struct kata_context *ctx, const char *id, bool pause,
			   struct kata_error *err)
{
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	if (pause && strcmp(st.status, "running") != 0)
		rc =
		    !strcmp(st.status, "paused")
			? kata_fail(err, EINVAL, "container %s is already paused", id)
			: kata_fail(err, EINVAL, "container %s is not running (%s)", id, st.status);
	else if (!pause && strcmp(st.status, "paused") != 0)
		rc = kata_fail(err, EINVAL, "container %s is not paused (%s)", id, st.status);
	container_state_clear(&st);
	if (rc < 0)
		return rc;
	struct control_request req = {.op = pause ? CONTROL_PAUSE : CONTROL_RESUME};
	rc = control_call(dir, &req, 30000, err);
	if (rc < 0)
		return rc;
	kata_debug(ctx, "%s: %s", id, pause ? "paused" : "resumed");
	return 0;
}

int kata_container_pause(const struct kata_context *ctx, const char *id, struct kata_error *err)
{
	return pause_or_resume(ctx, id, true, err);
}

int kata_container_resume(const struct kata_context *ctx, const char *id, struct kata_error *err)
{
	return pause_or_resume(ctx, id, false, err);
}
