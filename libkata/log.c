/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cleanup.h"

static void format_time(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ldZ", (long)tv.tv_usec);
}

static char *json_line(const char *level, const char *msg, const char *time)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	const char *keys[] = {"level", "msg", "time"};
	const char *vals[] = {level, msg, time};
	yajl_gen_map_open(g);
	for (int i = 0; i < 3; i++) {
		yajl_gen_string(g, (const unsigned char *)keys[i], strlen(keys[i]));
		yajl_gen_string(g, (const unsigned char *)vals[i], strlen(vals[i]));
	}
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    asprintf(&out, "%.*s\n", (int)len, buf) < 0)
		out = NULL;
	yajl_gen_free(g);
	return out;
}

void kata_log_message(const struct kata_context *ctx, const char *level, const char *msg)
{
	if (!ctx || !ctx->log_path || !*ctx->log_path)
		return;
	if (!strcmp(level, "debug") && !ctx->debug)
		return;
	char now[64];
	format_time(now, sizeof(now));
	cleanup_free char *line = NULL;
	if (ctx->log_format == KATA_LOG_JSON)
		line = json_line(level, msg, now);
	else if (asprintf(&line, "%s %s: %s\n", now, level, msg) < 0)
		line = NULL;
	if (!line)
		return;
	/* Opened per line: the monitor and several CLI calls append to the same file. */
	cleanup_close int fd = open(ctx->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t ignored = write(fd, line, strlen(line));
	(void)ignored;
}

void kata_logf(const struct kata_context *ctx, const char *level, const char *fmt, ...)
{
	if (!ctx || !ctx->log_path || (!strcmp(level, "debug") && !ctx->debug))
		return;
	cleanup_free char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n >= 0)
		kata_log_message(ctx, level, msg);
}
