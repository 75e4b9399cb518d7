/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VM templating over QEMU migration. The template VM's RAM is a file it maps shared; once the
 * agent is up it is paused and its device state is migrated to a file with x-ignore-shared,
 * which leaves the RAM out of the stream: the RAM file already holds it. A clone maps the
 * same RAM file private (pages shared with every other clone until written) and loads the
 * device state with -incoming instead of booting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "error.h"
#include "qemu_priv.h"
#include "qmp.h"
#include "qmp_json.h"
#include "sockutil.h"

#define MIGRATE_TIMEOUT_MS 30000
#define QMP_CALL_MS	   5000
#define POLL_MS		   2

static const char ignore_shared[] =
    "{\"capabilities\": [{\"capability\": \"x-ignore-shared\", \"state\": true}]}";

/* The QMP arguments {"uri": "exec:..."} for the migration command fmt ("exec:cat > '%s'") on
 * path, malloc'ed in *ret. QEMU runs the command with /bin/sh: the path is
 * quoted, and the one character single quotes cannot carry is refused. */
static int migrate_args(const char *fmt, const char *path, const char *what, char **ret,
			struct kata_error *err)
{
	*ret = NULL;
	if (strchr(path, '\''))
		return kata_fail(err, EINVAL, "%s: template path %s contains a single quote", what,
				 path);
	cleanup_free char *uri = NULL;
	cleanup_free char *quoted = NULL;
	if (asprintf(&uri, fmt, path) < 0 || !(quoted = qmp_json_quote(uri)) ||
	    asprintf(ret, "{\"uri\": %s}", quoted) < 0) {
		*ret = NULL;
		return kata_fail(err, ENOMEM, "%s: out of memory", what);
	}
	return 0;
}

/* The "status" string of a query command's reply, in buf. */
static int query_status(struct qmp *q, const char *command, char *buf, size_t size,
			struct kata_error *err)
{
	cleanup_free char *json = NULL;
	int r = qmp_execute(q, command, NULL, &json, QMP_CALL_MS, err);
	if (r < 0)
		return r;
	char why[128];
	yajl_val v = yajl_tree_parse(json, why, sizeof(why));
	const char *s = v ? qmp_json_string(v, "status") : NULL;
	snprintf(buf, size, "%s", s ? s : "");
	/* A failed migration says why in error-desc. */
	const char *desc = v ? qmp_json_string(v, "error-desc") : NULL;
	if (desc && strcmp(buf, "failed") == 0)
		snprintf(buf, size, "failed: %s", desc);
	yajl_tree_free(v);
	return 0;
}

int qemu_template_save(struct qmp *q, const char *state_path, struct kata_error *err)
{
	cleanup_free char *args = NULL;
	int r = migrate_args("exec:cat > '%s'", state_path, "saving the template", &args, err);
	if (r < 0)
		return r;
	if ((r = qmp_execute(q, "stop", NULL, NULL, QMP_CALL_MS, err)) < 0 ||
	    (r = qmp_execute(q, "migrate-set-capabilities", ignore_shared, NULL, QMP_CALL_MS,
			     err)) < 0 ||
	    (r = qmp_execute(q, "migrate", args, NULL, QMP_CALL_MS, err)) < 0)
		return kata_error_prefix(err, r, "saving the template");
	int64_t deadline = mono_ms() + MIGRATE_TIMEOUT_MS;
	char status[256];
	for (;;) {
		if ((r = query_status(q, "query-migrate", status, sizeof(status), err)) < 0)
			return kata_error_prefix(err, r, "saving the template");
		if (strcmp(status, "completed") == 0)
			return 0;
		if (strncmp(status, "failed", 6) == 0 || strcmp(status, "cancelled") == 0)
			return kata_fail(err, EIO, "saving the template: migration %s", status);
		if (deadline_left(deadline) == 0)
			return kata_fail(err, ETIMEDOUT,
					 "saving the template: migration still %s after %d ms",
					 status, MIGRATE_TIMEOUT_MS);
		sleep_until_at_most(deadline, POLL_MS);
	}
}

int qemu_template_restore(struct qmp *q, const char *state_path, struct kata_error *err)
{
	cleanup_free char *args = NULL;
	int r = migrate_args("exec:cat '%s'", state_path, "restoring the template", &args, err);
	if (r < 0)
		return r;
	if ((r = qmp_execute(q, "migrate-set-capabilities", ignore_shared, NULL, QMP_CALL_MS,
			     err)) < 0 ||
	    (r = qmp_execute(q, "migrate-incoming", args, NULL, QMP_CALL_MS, err)) < 0)
		return kata_error_prefix(err, r, "restoring the template");
	/* The state loads in the background; the VM stays paused after it. */
	int64_t deadline = mono_ms() + MIGRATE_TIMEOUT_MS;
	char status[256];
	for (;;) {
		if ((r = query_status(q, "query-status", status, sizeof(status), err)) < 0)
			return kata_error_prefix(err, r, "restoring the template");
		if (strcmp(status, "inmigrate") != 0)
			break;
		if (deadline_left(deadline) == 0)
			return kata_fail(err, ETIMEDOUT,
					 "restoring the template: still loading after %d ms",
					 MIGRATE_TIMEOUT_MS);
		sleep_until_at_most(deadline, POLL_MS);
	}
	char mig[256];
	if ((r = query_status(q, "query-migrate", mig, sizeof(mig), err)) < 0)
		return kata_error_prefix(err, r, "restoring the template");
	if (strcmp(mig, "completed") != 0)
		return kata_fail(err, EIO, "restoring the template: migration %s (VM %s)",
				 *mig ? mig : "did not complete", status);
	if ((r = qmp_execute(q, "cont", NULL, NULL, QMP_CALL_MS, err)) < 0)
		return kata_error_prefix(err, r, "restoring the template");
	return 0;
}
