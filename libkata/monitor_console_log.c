/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's serial console goes to <state dir>/console.log, on the host's /run (memory).
 * The guest is untrusted and can write there as fast as the UART goes (a container with
 * CAP_MKNOD and the device allowed wrote 300 KB/s under TCG): the monitor keeps the file under
 * CONSOLE_LOG_MAX, keeping its newest CONSOLE_LOG_KEEP bytes. QEMU appends (append=on), so
 * its next line lands after what is kept.
 */
#include "monitor_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

#define CONSOLE_LOG_MAX	     (1 << 20)
#define CONSOLE_LOG_KEEP     (64 << 10)
#define CONSOLE_LOG_CHECK_MS 2000

static void cut(struct monitor *m, const char *path, off_t size)
{
	cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	static char tail[CONSOLE_LOG_KEEP];
	ssize_t n = pread(fd, tail, sizeof(tail), size - (off_t)sizeof(tail));
	if (ftruncate(fd, 0) < 0)
		return;
	if (n > 0 && pwrite(fd, tail, (size_t)n, 0) < 0)
		n = 0;
	kata_debug(m->ctx, "%s: console log over %d bytes: kept its last %zd", m->args->id,
		   CONSOLE_LOG_MAX, n);
}

int monitor_console_log_tick(struct monitor *m)
{
	long long now = monitor_now_ms();
	if (now < m->console_check_at)
		return (int)(m->console_check_at - now);
	m->console_check_at = now + CONSOLE_LOG_CHECK_MS;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/console.log", m->args->dir);
	struct stat st;
	if (stat(path, &st) == 0 && st.st_size > CONSOLE_LOG_MAX)
		cut(m, path, st.st_size);
	return CONSOLE_LOG_CHECK_MS;
}

/* The line that says why the guest stopped, if it said: a panic, a power-off, a reboot. */
static const char *const last_words[] = {"Kernel panic - not syncing", "reboot: Power down",
					 "reboot: Restarting system", "reboot: System halted"};

void monitor_console_reason(const char *dir, char *buf, size_t len)
{
	buf[0] = '\0';
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/console.log", dir);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	static char tail[CONSOLE_LOG_KEEP + 1];
	off_t from = st.st_size > CONSOLE_LOG_KEEP ? st.st_size - CONSOLE_LOG_KEEP : 0;
	ssize_t n = pread(fd, tail, CONSOLE_LOG_KEEP, from);
	if (n <= 0)
		return;
	tail[n] = '\0';
	const char *found = NULL;
	for (size_t i = 0; i < sizeof(last_words) / sizeof(*last_words); i++) {
		const char *p = tail, *hit;
		while ((hit = strstr(p, last_words[i]))) {
			found = hit > found ? hit : found;
			p = hit + 1;
		}
	}
	/* Else the last line the guest wrote, which is the best hint for a boot that stalled. */
	if (!found) {
		char *end = tail + n;
		while (end > tail && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = '\0';
		if (end == tail)
			return;
		found = end;
		while (found > tail && found[-1] != '\n' && found[-1] != '\r')
			found--;
	}
	size_t i = 0;
	/* Guest text reaches the host's log: no control characters (escape sequences, lines). */
	for (; found[i] && found[i] != '\n' && found[i] != '\r' && i + 1 < len; i++)
		buf[i] = (unsigned char)found[i] < 0x20 || found[i] == 0x7f ? '?' : found[i];
	buf[i] = '\0';
}
