/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch_events: a libkata client of a container's events. It polls the events fd and prints
 * each event line ({"type":"oom","id":...}) as it arrives, until the container stops (EOF).
 * "subscribed" on stderr says the fd exists: events from then on are seen.
 *
 *   cc -o watch_events watch_events.c $(pkg-config --cflags --libs kata)
 *   ./watch_events [--root DIR] ID
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kata.h>

int main(int argc, char **argv)
{
	struct kata_context ctx = {0};
	int arg = 1;
	if (argc > 2 && !strcmp(argv[1], "--root")) {
		ctx.root = argv[2];
		arg = 3;
	}
	if (argc - arg != 1) {
		fprintf(stderr, "usage: %s [--root DIR] ID\n", argv[0]);
		return 125;
	}
	struct kata_error err = {0};
	int fd;
	if (kata_container_events_fd(&ctx, argv[arg], &fd, &err) < 0) {
		fprintf(stderr, "watch_events: %s\n", err.msg);
		return 125;
	}
	fprintf(stderr, "subscribed\n");
	char buf[4096];
	for (;;) {
		/* poll is where an event loop would add the fd. */
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("watch_events: poll");
			return 1;
		}
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("watch_events: read");
			return 1;
		}
		if (n == 0)
			break;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
			return 1;
	}
	close(fd);
	return 0;
}
