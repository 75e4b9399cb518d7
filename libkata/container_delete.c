/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "control.h"
#include "error.h"
#include "fsutil.h"
#include "hooks.h"
#include "log.h"
#include "network.h"

#define MONITOR_EXIT_TIMEOUT_MS 10000

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static bool wait_gone(pid_t pid, unsigned long long start, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (!process_alive(pid, start))
			return true;
		sleep_ms(10);
	}
	return !process_alive(pid, start);
}

/* Stops a live container: SIGKILL to the workload through the monitor, then the monitor
 * itself if it does not finish (its VM dies with it, its mounts with its namespace). */
static void stop_monitor(const struct kata_context *ctx, const char *dir,
			 const struct container_state *st)
{
	struct control_request req = {.op = CONTROL_KILL, .signal = SIGKILL};
	struct kata_error ignored = {0};
	if (control_call(dir, &req, 5000, &ignored) < 0)
		kata_debug(ctx, "%s: kill through the monitor: %s", st->id, ignored.msg);
	if (wait_gone(st->pid, st->pid_start, MONITOR_EXIT_TIMEOUT_MS))
		return;
	kata_warn(ctx, "%s: monitor %d did not exit; killing it", st->id, (int)st->pid);
	kill(st->pid, SIGKILL);
	wait_gone(st->pid, st->pid_start, 2000);
}

void container_poststop(const struct kata_context *ctx, const char *id, const char *hooks_json,
			const char *bundle, const char *annotations_json)
{
	if (!hooks_have(hooks_json, HOOK_POSTSTOP))
		return;
	struct kata_error err = {0};
	cleanup_free char *state = NULL;
	if (hooks_state_json(id, "stopped", 0, bundle, annotations_json, &state, &err) < 0 ||
	    hooks_run(hooks_json, HOOK_POSTSTOP, state, bundle, &err) < 0)
		kata_warn(ctx, "%s: %s", id, err.msg);
}

int kata_container_delete(const struct kata_context *ctx, const char *id, bool force,
			  struct kata_error *err)
{
	cleanup_close int lock = -1;
	int rc = state_lock(ctx, id, &lock, err);
	if (rc < 0)
		return rc;
	char dir[PATH_MAX];
	state_dir(ctx, id, dir, NULL);
	struct container_state st;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	if (access(path, F_OK) < 0) {
		/* A create that died half-way: only the directory is left. */
		rc = rm_rf(dir);
		return rc < 0 ? kata_fail_errno(err, -rc, "remove %s", dir) : 0;
	}
	rc = state_read(dir, &st, err);
	if (rc < 0)
		return rc;
	if ((!strcmp(st.status, "running") || !strcmp(st.status, "paused")) && !force) {
		rc = kata_fail(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			       st.status);
		container_state_clear(&st);
		return rc;
	}
	cleanup_free char *hooks = NULL;
	struct kata_error hook_err = {0};
	if (hooks_load(dir, &hooks, &hook_err) < 0)
		kata_warn(ctx, "%s: %s", id, hook_err.msg);
	if (strcmp(st.status, "stopped") != 0)
		stop_monitor(ctx, dir, &st);
	/* Only there when the monitor died without undoing its tc mirroring. */
	network_cleanup_record(dir);
	rc = rm_rf(dir);
	if (rc < 0) {
		container_state_clear(&st);
		return kata_fail_errno(err, -rc, "remove %s", dir);
	}
	container_poststop(ctx, id, hooks, st.bundle, st.annotations_json);
	container_state_clear(&st);
	kata_debug(ctx, "%s: deleted", id);
	return 0;
}
