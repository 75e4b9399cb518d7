/* SPDX-License-Identifier: Apache-2.0 */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "child_signals.h"
#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "json_util.h"

#define HOOK_OUTPUT_KEEP 400 /* bytes of a failing hook's output quoted in the error */
#define STATE_PIPE_SIZE	 (1 << 20)

static const char *const kind_names[] = {
    [HOOK_PRESTART] = "prestart",
    [HOOK_CREATE_RUNTIME] = "createRuntime",
    [HOOK_POSTSTART] = "poststart",
    [HOOK_POSTSTOP] = "poststop",
};

/* Hooks that run in the container's namespaces: inside the guest, where we cannot run host
 * binaries. */
static const char *const refused_kinds[] = {"createContainer", "startContainer"};

static int validate_hook(yajl_val h, const char *where, struct kata_error *err)
{
	int rc = json_expect_object(h, where, "", err);
	if (rc < 0)
		return rc;
	cleanup_free char *path = NULL;
	char **args = NULL, **env = NULL;
	size_t n_args = 0, n_env = 0;
	int64_t timeout = 0;
	if ((rc = json_get_string(h, where, "path", true, &path, err)) < 0 ||
	    (rc = json_get_strings(h, where, "args", &args, &n_args, err)) < 0 ||
	    (rc = json_get_strings(h, where, "env", &env, &n_env, err)) < 0 ||
	    (rc = json_get_i64(h, where, "timeout", &timeout, err)) < 0)
		goto out;
	if (path[0] != '/')
		rc = kata_fail(err, EINVAL, "config.json: %s.path: \"%s\" is not an absolute path",
			       where, path);
	else if (json_member(h, "timeout") && timeout <= 0)
		rc = kata_fail(err, EINVAL, "config.json: %s.timeout: must be greater than zero",
			       where);
out:
	for (size_t i = 0; i < n_args; i++)
		free(args[i]);
	for (size_t i = 0; i < n_env; i++)
		free(env[i]);
	free(args);
	free(env);
	return rc;
}

int hooks_parse(yajl_val hooks, char **ret_json, struct kata_error *err)
{
	*ret_json = NULL;
	int rc = json_expect_object(hooks, "", "hooks", err);
	if (rc < 0 || !hooks)
		return rc;
	for (size_t i = 0; i < sizeof(refused_kinds) / sizeof(*refused_kinds); i++) {
		yajl_val v = json_member(hooks, refused_kinds[i]);
		if (v && YAJL_IS_ARRAY(v) && v->u.array.len)
			return kata_fail(err, ENOTSUP,
					 "config.json: hooks.%s: not supported: these hooks run in "
					 "the container's namespaces, which are inside the VM",
					 refused_kinds[i]);
	}
	bool any = false;
	for (size_t k = 0; k < sizeof(kind_names) / sizeof(*kind_names); k++) {
		yajl_val list = json_member(hooks, kind_names[k]);
		char where[64];
		snprintf(where, sizeof(where), "hooks.%s", kind_names[k]);
		if ((rc = json_expect_array(list, "hooks", kind_names[k], err)) < 0)
			return rc;
		for (size_t i = 0; list && i < list->u.array.len; i++) {
			snprintf(where, sizeof(where), "hooks.%s[%zu]", kind_names[k], i);
			if ((rc = validate_hook(list->u.array.values[i], where, err)) < 0)
				return rc;
			any = true;
		}
	}
	if (any && json_serialize(hooks, ret_json) < 0)
		return kata_fail(err, ENOMEM, "out of memory");
	return 0;
}

static yajl_val kind_list(yajl_val root, enum hook_kind kind)
{
	yajl_val list = json_member(root, kind_names[kind]);
	return list && YAJL_IS_ARRAY(list) && list->u.array.len ? list : NULL;
}

bool hooks_have(const char *hooks_json, enum hook_kind kind)
{
	if (!hooks_json)
		return false;
	yajl_val root = yajl_tree_parse(hooks_json, NULL, 0);
	bool have = root && kind_list(root, kind);
	yajl_tree_free(root);
	return have;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keeps the tail of the hook's output, newlines flattened so the error stays one line. */
static void keep_output(char *buf, size_t *len, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (*len == HOOK_OUTPUT_KEEP) {
			memmove(buf, buf + 1, HOOK_OUTPUT_KEEP - 1);
			(*len)--;
		}
		buf[(*len)++] = data[i] == '\n' || data[i] == '\r' ? ' ' : data[i];
	}
}

static _Noreturn void exec_hook(int in, int out, const char *cwd, char *path, char **argv,
				char **envp)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	/* Its own process group: a timeout kills whatever the hook started too. */
	setpgid(0, 0);
	child_reset_signals();
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	if (cwd && chdir(cwd) < 0) {
		/* As runc: hooks start in the bundle; a missing bundle is not fatal. */
	}
	execve(path, argv, envp);
	dprintf(2, "exec %s: %s", path, strerror(errno));
	_exit(127);
}

/* Waits for the hook, collecting its output, until it exits or the deadline (0: none). */
static int wait_hook(pid_t pid, int out, long long deadline, char *buf, size_t *len,
		     int *ret_status)
{
	bool out_open = true;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			char chunk[4096];
			ssize_t n;
			fcntl(out, F_SETFL, O_NONBLOCK);
			while (out_open && (n = read(out, chunk, sizeof(chunk))) > 0)
				keep_output(buf, len, chunk, (size_t)n);
			*ret_status = st;
			return 0;
		}
		if (deadline && now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -ETIMEDOUT;
		}
		struct pollfd p = {.fd = out, .events = POLLIN};
		int ready = out_open ? poll(&p, 1, 50) : (usleep(20000), 0);
		if (ready > 0) {
			char chunk[4096];
			ssize_t n = read(out, chunk, sizeof(chunk));
			if (n > 0)
				keep_output(buf, len, chunk, (size_t)n);
			else if (n == 0 || errno != EINTR)
				out_open = false;
		}
	}
}

static int run_one(yajl_val h, const char *where, const char *state_json, const char *cwd,
		   struct kata_error *err)
{
	cleanup_free char *path = NULL;
	char **args = NULL, **env = NULL;
	size_t n_args = 0, n_env = 0;
	int64_t timeout = 0;
	cleanup_close int in_r = -1, in_w = -1, out_r = -1, out_w = -1;
	int rc;
	if ((rc = json_get_string(h, where, "path", true, &path, err)) < 0 ||
	    (rc = json_get_strings(h, where, "args", &args, &n_args, err)) < 0 ||
	    (rc = json_get_strings(h, where, "env", &env, &n_env, err)) < 0 ||
	    (rc = json_get_i64(h, where, "timeout", &timeout, err)) < 0)
		goto out;
	/* NULL-terminated vectors: args (or the path alone) and env. */
	char **argv = calloc(n_args + 2, sizeof(*argv));
	char **envp = calloc(n_env + 1, sizeof(*envp));
	if (!argv || !envp) {
		free(argv);
		free(envp);
		rc = kata_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	if (n_args)
		memcpy(argv, args, n_args * sizeof(*argv));
	else
		argv[0] = path;
	if (n_env)
		memcpy(envp, env, n_env * sizeof(*envp));

	/* The state is written before the hook runs: no blocking, no SIGPIPE from a hook that
	 * does not read it. */
	int in[2], outp[2];
	if (pipe2(in, O_CLOEXEC) < 0 || (in_r = in[0], in_w = in[1], pipe2(outp, O_CLOEXEC) < 0)) {
		rc = kata_fail_errno(err, errno, "%s: pipe", where);
		goto free_vectors;
	}
	out_r = outp[0];
	out_w = outp[1];
	size_t state_len = strlen(state_json);
	fcntl(in_w, F_SETPIPE_SZ, STATE_PIPE_SIZE);
	fcntl(in_w, F_SETFL, O_NONBLOCK);
	if (write(in_w, state_json, state_len) != (ssize_t)state_len) {
		rc = kata_fail(err, E2BIG, "%s: the container state does not fit a pipe", where);
		goto free_vectors;
	}
	close(steal_fd(in_w));
	long long deadline = timeout > 0 ? now_ms() + timeout * 1000 : 0;
	pid_t pid = fork();
	if (pid < 0) {
		rc = kata_fail_errno(err, errno, "%s: fork", where);
		goto free_vectors;
	}
	if (pid == 0)
		exec_hook(in_r, out_w, cwd, path, argv, envp);
	close(steal_fd(out_w));
	char output[HOOK_OUTPUT_KEEP + 1];
	size_t len = 0;
	int status = 0;
	rc = wait_hook(pid, out_r, deadline, output, &len, &status);
	while (len > 0 && output[len - 1] == ' ')
		len--;
	output[len] = '\0';
	if (rc == -ETIMEDOUT)
		rc = kata_fail(err, ETIMEDOUT, "%s (%s): timed out after %lld s", where, path,
			       (long long)timeout);
	else if (WIFSIGNALED(status))
		rc = kata_fail(err, ECANCELED, "%s (%s): killed by signal %d%s%s", where, path,
			       WTERMSIG(status), len ? ": " : "", output);
	else if (WEXITSTATUS(status))
		rc = kata_fail(err, ECANCELED, "%s (%s): exited with status %d%s%s", where, path,
			       WEXITSTATUS(status), len ? ": " : "", output);
free_vectors:
	free(argv);
	free(envp);
out:
	for (size_t i = 0; i < n_args; i++)
		free(args[i]);
	for (size_t i = 0; i < n_env; i++)
		free(env[i]);
	free(args);
	free(env);
	return rc;
}

int hooks_run(const char *hooks_json, enum hook_kind kind, const char *state_json, const char *cwd,
	      struct kata_error *err)
{
	if (!hooks_json)
		return 0;
	char errbuf[128];
	yajl_val root = yajl_tree_parse(hooks_json, errbuf, sizeof(errbuf));
	if (!root)
		return kata_fail(err, EINVAL, "hooks: invalid JSON");
	yajl_val list = kind_list(root, kind);
	int rc = 0;
	for (size_t i = 0; list && i < list->u.array.len && rc >= 0; i++) {
		char where[64];
		snprintf(where, sizeof(where), "hooks.%s[%zu]", kind_names[kind], i);
		rc = run_one(list->u.array.values[i], where, state_json, cwd, err);
	}
	yajl_tree_free(root);
	return rc;
}

int hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
		     const char *annotations_json, char **ret_json, struct kata_error *err)
{
	struct kata_state s = {.pid = pid, .annotations_json = (char *)annotations_json};
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.status, sizeof(s.status), "%s", status);
	snprintf(s.bundle, sizeof(s.bundle), "%s", bundle ? bundle : "");
	return kata_state_to_json(&s, ret_json, err);
}

int hooks_save(const char *dir, const char *hooks_json, struct kata_error *err)
{
	if (!hooks_json)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, HOOKS_FILE);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = strlen(hooks_json);
	if (fd < 0 || write(fd, hooks_json, len) != (ssize_t)len)
		return kata_fail_errno(err, errno, "writing %s", path);
	return 0;
}

int hooks_load(const char *dir, char **ret_json, struct kata_error *err)
{
	*ret_json = NULL;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, HOOKS_FILE);
	int rc = read_file(path, 16 << 20, ret_json, NULL);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? kata_fail_errno(err, -rc, "reading %s", path) : 0;
}
