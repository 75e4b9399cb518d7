/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "json_util.h"

static const char *root_of(const struct kata_context *ctx)
{
	return ctx && ctx->root && *ctx->root ? ctx->root : KATA_DEFAULT_ROOT;
}

int state_dir(const struct kata_context *ctx, const char *id, char ret[PATH_MAX],
	      struct kata_error *err)
{
	int rc = kata_id_validate(id, err);
	if (rc < 0)
		return rc;
	/* Leave room for the files below it, so their paths never truncate. */
	if (snprintf(ret, PATH_MAX, "%s/%s", root_of(ctx), id) >= PATH_MAX - 512)
		return kata_fail(err, ENAMETOOLONG, "state path for \"%s\" is too long", id);
	return 0;
}

static int lock_dir(const char *dir, int *ret_fd, struct kata_error *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0)
		return kata_fail_errno(err, errno, "lock %s", dir);
	*ret_fd = steal_fd(fd);
	return 0;
}

int state_create(const struct kata_context *ctx, const char *id, int *ret_lock_fd,
		 struct kata_error *err)
{
	char dir[PATH_MAX];
	int rc = state_dir(ctx, id, dir, err);
	if (rc < 0)
		return rc;
	rc = mkdir_p(root_of(ctx), 0700);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "create state root %s", root_of(ctx));
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return kata_fail(err, EEXIST, "container with id exists: %s", id);
		return kata_fail_errno(err, errno, "create %s", dir);
	}
	rc = lock_dir(dir, ret_lock_fd, err);
	if (rc < 0) {
		rmdir(dir);
		return rc == -ENOENT ? kata_fail(err, ENOENT, "%s vanished", dir) : rc;
	}
	return 0;
}

int state_lock(const struct kata_context *ctx, const char *id, int *ret_lock_fd,
	       struct kata_error *err)
{
	char dir[PATH_MAX];
	int rc = state_dir(ctx, id, dir, err);
	if (rc < 0)
		return rc;
	rc = lock_dir(dir, ret_lock_fd, err);
	if (rc == -ENOENT || rc == -ENOTDIR)
		return kata_fail(err, ENOENT, "container \"%s\" does not exist", id);
	if (rc < 0)
		return err && err->status ? rc : kata_fail_errno(err, -rc, "open %s", dir);
	/* A directory without state.json is a create that never finished or a delete
	 * that was interrupted; treat it as existing so delete can remove it. */
	return 0;
}

void container_state_clear(struct container_state *st)
{
	free(st->id);
	free(st->status);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->annotations_json);
	memset(st, 0, sizeof(*st));
	st->exit_status = -1;
}

void rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

int state_read(const char *dir, struct container_state *ret, struct kata_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	cleanup_free char *json = NULL;
	int rc = read_file(path, 1 << 20, &json, NULL);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "read %s", path);
	char errbuf[128];
	yajl_val root = yajl_tree_parse(json, errbuf, sizeof(errbuf));
	if (!root)
		return kata_fail(err, EINVAL, "%s is corrupt", path);
	struct container_state st = {.exit_status = -1};
	int64_t pid = 0, exit_status = -1;
	uint64_t start = 0;
	if ((rc = json_get_string(root, "state", "id", true, &st.id, err)) < 0 ||
	    (rc = json_get_string(root, "state", "status", true, &st.status, err)) < 0 ||
	    (rc = json_get_i64(root, "state", "pid", &pid, err)) < 0 ||
	    (rc = json_get_u64(root, "state", "pid_start", false, &start, err)) < 0 ||
	    (rc = json_get_string(root, "state", "bundle", false, &st.bundle, err)) < 0 ||
	    (rc = json_get_string(root, "state", "rootfs", false, &st.rootfs, err)) < 0 ||
	    (rc = json_get_string(root, "state", "created", false, &st.created, err)) < 0 ||
	    (rc = json_get_i64(root, "state", "exit_status", &exit_status, err)) < 0) {
		yajl_tree_free(root);
		container_state_clear(&st);
		return rc;
	}
	yajl_val ann = json_member(root, "annotations");
	if (ann && json_serialize(ann, &st.annotations_json) < 0)
		rc = kata_fail(err, ENOMEM, "out of memory");
	yajl_tree_free(root);
	if (rc < 0) {
		container_state_clear(&st);
		return rc;
	}
	st.pid = (pid_t)pid;
	st.pid_start = start;
	st.exit_status = (int)exit_status;
	/* The monitor stands in for the workload: once it is gone, the container stopped. */
	if (strcmp(st.status, "stopped") != 0 && !process_alive(st.pid, st.pid_start)) {
		free(st.status);
		st.status = strdup("stopped");
	}
	*ret = st;
	return 0;
}

static void gen_str(yajl_gen g, const char *k, const char *v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	if (v)
		yajl_gen_string(g, (const unsigned char *)v, strlen(v));
	else
		yajl_gen_null(g);
}

static void gen_int(yajl_gen g, const char *k, long long v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_integer(g, v);
}

int state_write(const char *dir, const struct container_state *st, struct kata_error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return kata_fail(err, ENOMEM, "out of memory");
	yajl_gen_map_open(g);
	gen_str(g, "id", st->id);
	gen_str(g, "status", st->status);
	gen_int(g, "pid", st->pid);
	gen_int(g, "pid_start", (long long)st->pid_start);
	gen_str(g, "bundle", st->bundle);
	gen_str(g, "rootfs", st->rootfs);
	gen_str(g, "created", st->created);
	gen_int(g, "exit_status", st->exit_status);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	/* Annotations are kept verbatim: splice the stored JSON object in. */
	cleanup_free char *doc = NULL;
	int n = st->annotations_json ? asprintf(&doc, "%.*s,\"annotations\":%s}", (int)len - 1, buf,
						st->annotations_json)
				     : asprintf(&doc, "%.*s", (int)len, buf);
	yajl_gen_free(g);
	if (n < 0)
		return kata_fail(err, ENOMEM, "out of memory");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	int rc = write_file_atomic(path, doc, strlen(doc));
	if (rc < 0)
		return kata_fail_errno(err, -rc, "write %s", path);
	return 0;
}

int state_update_status(const char *dir, const char *status, int exit_status,
			struct kata_error *err)
{
	struct container_state st;
	int rc = state_read(dir, &st, err);
	if (rc < 0)
		return rc;
	free(st.status);
	st.status = strdup(status);
	if (exit_status >= 0)
		st.exit_status = exit_status;
	rc = st.status ? state_write(dir, &st, err) : kata_fail(err, ENOMEM, "out of memory");
	container_state_clear(&st);
	return rc;
}
