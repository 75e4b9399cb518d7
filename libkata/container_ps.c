/* SPDX-License-Identifier: Apache-2.0 */
/* ps: the agent lists the container's processes (ListProcesses) in the guest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "control.h"
#include "error.h"

int kata_container_ps(const struct kata_context *ctx, const char *id, const char *format,
		      char **ret_out, struct kata_error *err)
{
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return kata_fail(err, EINVAL, "invalid format option \"%s\": table or json",
				 format);
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	bool live = strcmp(st.status, "stopped") != 0;
	container_state_clear(&st);
	if (!live)
		return kata_fail(err, EINVAL, "container %s is not running", id);
	struct control_request req = {.op = CONTROL_PS};
	char *out = NULL;
	size_t len = 0;
	rc = control_call_payload(dir, &req, format, strlen(format) + 1, 30000, &out, &len, err);
	if (rc < 0)
		return rc;
	*ret_out = out ? out : strdup("");
	return *ret_out ? 0 : kata_fail(err, ENOMEM, "out of memory");
}
