/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A failed boot removes the state directory and its logs with it: what the guest said is kept
 * in the error (the telling console line) and, with --debug, in the log (the logs' last lines).
 */
#include "monitor_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"

#define BOOTLOG_LINES 200

static char *read_log(const char *dir, const char *name, size_t *ret_len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *text = NULL;
	if (read_file(path, 16 << 20, &text, ret_len) < 0)
		return NULL;
	return text;
}

/* Logs the last BOOTLOG_LINES lines of dir/name as debug lines "ID: NAME: LINE". */
static void log_tail(struct monitor *m, const char *name)
{
	size_t n = 0;
	cleanup_free char *log = read_log(m->args->dir, name, &n);
	if (!log || n == 0)
		return;
	size_t lines = 0;
	const char *start = log + n;
	while (start > log && lines <= BOOTLOG_LINES)
		if (*--start == '\n' && start + 1 < log + n)
			lines++;
	if (lines > BOOTLOG_LINES)
		start++;
	for (char *line = strtok((char *)start, "\r\n"); line; line = strtok(NULL, "\r\n"))
		kata_debug(m->ctx, "%s: %s: %s", m->args->id, name, line);
}

void monitor_log_boot_failure(struct monitor *m)
{
	if (!m->ctx->debug)
		return;
	log_tail(m, "console.log");
	log_tail(m, "qemu.log");
	log_tail(m, "virtiofsd.log");
}
