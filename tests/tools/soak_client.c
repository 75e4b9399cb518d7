/* SPDX-License-Identifier: Apache-2.0 */
/*
 * soak_client: one long-running libkata client, as a container manager is. It runs N
 * create/start/state/exit-fd/exit-status/delete cycles of the bundle's workload and compares
 * its own open fds and resident memory after the first cycle and after the last. Exits 1 if
 * any cycle failed or its fds grew. Used by scripts/soak.sh.
 *
 *   soak_client ROOT BUNDLE N
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kata.h>

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ., .. and the fd of this listing */
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	char line[256];
	long kb = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int cycle(const struct kata_context *ctx, const char *bundle, const char *id,
		 struct kata_error *err)
{
	struct kata_create_options opts = {.bundle = bundle};
	if (kata_container_create(ctx, id, &opts, err) < 0)
		return -1;
	struct kata_state st;
	int fd = -1, status = -1;
	if (kata_container_start(ctx, id, err) < 0 || kata_container_state(ctx, id, &st, err) < 0)
		goto fail;
	kata_state_clear(&st);
	if (kata_container_exit_fd(ctx, id, &fd, err) < 0)
		goto fail;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	close(fd);
	if (kata_container_exit_status(ctx, id, &status, err) < 0)
		goto fail;
	if (status != 0) {
		snprintf(err->msg, sizeof(err->msg), "exit status %d", status);
		goto fail;
	}
	return kata_container_delete(ctx, id, false, err);
fail:
	kata_container_delete(ctx, id, true, NULL);
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s ROOT BUNDLE N\n", argv[0]);
		return 2;
	}
	struct kata_context ctx = {.root = argv[1]};
	int n = atoi(argv[3]);
	int failures = 0, fds_first = 0;
	long rss_first = 0;
	for (int i = 1; i <= n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "client%d", i);
		struct kata_error err = {0};
		if (cycle(&ctx, argv[2], id, &err) < 0) {
			fprintf(stderr, "soak_client: cycle %d: %s\n", i, err.msg);
			failures++;
		}
		if (i == 1) {
			fds_first = count_fds();
			rss_first = rss_kb();
		}
	}
	int fds_last = count_fds();
	long rss_last = rss_kb();
	printf("soak_client: %d cycles, %d failures; fds %d -> %d; RSS %ld -> %ld kB\n", n,
	       failures, fds_first, fds_last, rss_first, rss_last);
	return failures == 0 && fds_last <= fds_first ? 0 : 1;
}
