/* SPDX-License-Identifier: Apache-2.0 */
#include "exec_lookup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *env_lookup(char *const *env, size_t n, const char *name)
{
	size_t len = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			found =
			    env[i] + len + 1; /* the last one wins, as execve's user would see */
	return found;
}

/* strerror as Go prints it ("no such file or directory"), to match runc's messages. */
static const char *go_strerror(int err, char *buf, size_t size)
{
	snprintf(buf, size, "%s", strerror(err));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* 0 for an executable regular file, else -errno (-EACCES for directories, as Go's LookPath). */
static int check_executable(const char *file)
{
	struct stat st;
	if (stat(file, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

int exec_exit_code(int neg_errno)
{
	return neg_errno == -ENOENT || neg_errno == -ENOTDIR ? 127 : 126;
}

int exec_lookup(const char *argv0, const char *path, char *ret, size_t size, struct kata_error *err)
{
	if (!argv0 || !*argv0)
		return kata_fail(err, EINVAL, "exec: no command");

	if (strchr(argv0, '/')) {
		int rc = check_executable(argv0);
		if (rc == -EACCES)
			return kata_fail(err, EACCES, "exec: \"%s\": permission denied", argv0);
		char msg[128];
		if (rc < 0)
			return kata_fail(err, -rc, "exec: \"%s\": stat %s: %s", argv0, argv0,
					 go_strerror(-rc, msg, sizeof(msg)));
		if ((size_t)snprintf(ret, size, "%s", argv0) >= size)
			return kata_fail(err, ENAMETOOLONG, "exec: \"%s\": name too long", argv0);
		return 0;
	}

	bool denied = false;
	const char *p = path ? path : DEFAULT_PATH;
	for (;;) {
		const char *colon = strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);
		char cand[4096];
		/* An empty PATH element means the current directory. */
		int n = dlen ? snprintf(cand, sizeof(cand), "%.*s/%s", (int)dlen, p, argv0)
			     : snprintf(cand, sizeof(cand), "./%s", argv0);
		if (n > 0 && (size_t)n < sizeof(cand)) {
			int rc = check_executable(cand);
			if (rc == 0) {
				if ((size_t)n >= size)
					break;
				memcpy(ret, cand, (size_t)n + 1);
				return 0;
			}
			if (rc == -EACCES)
				denied = true;
		}
		if (!*colon)
			break;
		p = colon + 1;
	}
	if (denied)
		return kata_fail(err, EACCES, "exec: \"%s\": permission denied", argv0);
	return kata_fail(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", argv0);
}
