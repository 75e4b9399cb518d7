/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host-side helper for bench.sh.
 *   benchtool count [MAX]          read stdin until EOF (or MAX bytes)
 *   benchtool listen PATH [MAX]    listen on a unix socket, accept one client, read it, then
 *                                  write one byte back (the guest waits for it)
 * Prints "BYTES FIRST_TO_LAST_SECONDS": the time between the first and the last byte read, so
 * neither the boot before the stream nor the teardown after it counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int drain(int fd, unsigned long long max)
{
	static char buf[1 << 16];
	unsigned long long total = 0;
	double first = 0, last = 0;
	while (!max || total < max) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		last = now();
		if (!total)
			first = last;
		total += (unsigned long long)n;
	}
	printf("%llu %.6f\n", total, total ? last - first : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "count"))
		return drain(0, argc > 2 ? strtoull(argv[2], NULL, 10) : 0);
	if (argc >= 3 && !strcmp(argv[1], "listen")) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		unlink(argv[2]);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
			perror("benchtool: listen");
			return 1;
		}
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			perror("benchtool: accept");
			return 1;
		}
		drain(c, argc > 3 ? strtoull(argv[3], NULL, 10) : 0);
		/* The guest powers off only after this byte: nothing it wrote is cut off in flight.
		 */
		if (write(c, "k", 1) != 1)
			perror("benchtool: ack");
		return 0;
	}
	fprintf(stderr, "usage: benchtool count [MAX] | benchtool listen PATH [MAX]\n");
	return 2;
}
