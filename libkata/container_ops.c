/* SPDX-License-Identifier: Apache-2.0 */
/* start, kill and state: the operations that reach a live container through its monitor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "container.h"
#include "control.h"
#include "error.h"
#include "hooks.h"
#include "log.h"

#define OCI_VERSION "1.0.2"

int container_load(const struct kata_context *ctx, const char *id, char dir[PATH_MAX],
		   struct container_state *ret, struct kata_error *err)
{
	int rc = state_dir(ctx, id, dir, err);
	if (rc < 0)
		return rc;
	struct stat st;
	if (stat(dir, &st) < 0)
		return kata_fail(err, ENOENT, "container \"%s\" does not exist", id);
	return state_read(dir, ret, err);
}

int container_find_live(const struct kata_context *ctx, const char *id, char dir[PATH_MAX],
			int not_live_errno, struct kata_error *err)
{
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	bool live = !strcmp(st.status, "created") || !strcmp(st.status, "running") ||
		    !strcmp(st.status, "paused");
	container_state_clear(&st);
	return live ? 0 : kata_fail(err, not_live_errno, "container %s is not running", id);
}

/* After the workload started, before start returns; a failure is a warning (runtime-spec). */
static void run_poststart(const struct kata_context *ctx, const char *dir,
			  const struct container_state *st)
{
	cleanup_free char *hooks = NULL, *state = NULL;
	struct kata_error err = {0};
	if (hooks_load(dir, &hooks, &err) < 0 ||
	    (hooks_have(hooks, HOOK_POSTSTART) &&
	     (hooks_state_json(st->id, "running", st->pid, st->bundle, st->annotations_json, &state,
			       &err) < 0 ||
	      hooks_run(hooks, HOOK_POSTSTART, state, st->bundle, &err) < 0)))
		kata_warn(ctx, "%s: %s", st->id, err.msg);
}

int kata_container_start(const struct kata_context *ctx, const char *id, struct kata_error *err)
{
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	if (!strcmp(st.status, "running"))
		rc = kata_fail(err, EBUSY, "cannot start an already running container");
	else if (!strcmp(st.status, "stopped"))
		rc = kata_fail(err, EINVAL, "cannot start a container that has stopped");
	else if (strcmp(st.status, "created") != 0)
		rc = kata_fail(err, EINVAL, "cannot start a container in the %s state", st.status);
	if (rc < 0) {
		container_state_clear(&st);
		return rc;
	}
	struct control_request req = {.op = CONTROL_START};
	rc = control_call(dir, &req, 60000, err);
	if (rc >= 0) {
		kata_debug(ctx, "%s: started", id);
		run_poststart(ctx, dir, &st);
	}
	container_state_clear(&st);
	return rc;
}

int kata_container_kill(const struct kata_context *ctx, const char *id, int sig, bool all,
			struct kata_error *err)
{
	if (sig <= 0 || sig >= 65)
		return kata_fail(err, EINVAL, "invalid signal %d", sig);
	char dir[PATH_MAX];
	int rc = container_find_live(ctx, id, dir, ESRCH, err);
	if (rc < 0)
		return rc;
	struct control_request req = {.op = CONTROL_KILL, .signal = sig, .all = all};
	rc = control_call(dir, &req, 10000, err);
	if (rc == -ECONNREFUSED || rc == -ENOENT || rc == -ESRCH)
		return kata_fail(err, ESRCH, "container not running");
	return rc;
}

int kata_container_state(const struct kata_context *ctx, const char *id, struct kata_state *ret,
			 struct kata_error *err)
{
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->id, sizeof(ret->id), "%s", st.id);
	snprintf(ret->status, sizeof(ret->status), "%s", st.status);
	snprintf(ret->bundle, sizeof(ret->bundle), "%s", st.bundle ? st.bundle : "");
	snprintf(ret->created, sizeof(ret->created), "%s", st.created ? st.created : "");
	ret->pid = strcmp(st.status, "stopped") ? st.pid : 0;
	ret->annotations_json = steal_ptr(st.annotations_json);
	container_state_clear(&st);
	return 0;
}

void kata_state_clear(struct kata_state *state)
{
	free(state->annotations_json);
	state->annotations_json = NULL;
}

static void gen_kv(yajl_gen g, const char *k, const char *v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

int kata_state_to_json(const struct kata_state *s, char **ret_json, struct kata_error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return kata_fail(err, ENOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	gen_kv(g, "ociVersion", OCI_VERSION);
	gen_kv(g, "id", s->id);
	yajl_gen_string(g, (const unsigned char *)"pid", 3);
	yajl_gen_integer(g, s->pid);
	gen_kv(g, "status", s->status);
	gen_kv(g, "bundle", s->bundle);
	gen_kv(g, "created", s->created);
	gen_kv(g, "owner", "");
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	/* Annotations are stored as JSON already: splice them in before the closing brace. */
	int n;
	size_t end = len;
	while (end > 0 && buf[end - 1] != '}')
		end--;
	if (s->annotations_json && end > 0)
		n = asprintf(ret_json, "%.*s,\n  \"annotations\": %s\n}\n", (int)(end - 2), buf,
			     s->annotations_json);
	else
		n = asprintf(ret_json, "%.*s\n", (int)len, buf);
	yajl_gen_free(g);
	return n < 0 ? kata_fail(err, ENOMEM, "out of memory") : 0;
}

const char *kata_version(void)
{
	return KATA_VERSION;
}
