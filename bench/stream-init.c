/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw-channel guest's /init: writes bench_bytes (from the kernel command line, which the
 * kernel hands to init as an environment variable) zero bytes to the virtio-serial port named
 * "bench.stream", waits for the host's acknowledgement, then powers the VM off. No agent, no ttrpc:
 * the channel's own ceiling.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PORT_NAME "bench.stream"

static int find_port(char *path, size_t size)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	if (!d)
		return 0;
	struct dirent *de;
	int found = 0;
	while (!found && (de = readdir(d))) {
		char p[512], name[64] = "";
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", de->d_name);
		int fd = open(p, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, name, sizeof(name) - 1);
		close(fd);
		if (n > 0) {
			name[n] = '\0';
			name[strcspn(name, "\n")] = '\0';
			if (!strcmp(name, PORT_NAME)) {
				snprintf(path, size, "/dev/%s", de->d_name);
				found = 1;
			}
		}
	}
	closedir(d);
	return found;
}

int main(void)
{
	const char *v = getenv("bench_bytes");
	unsigned long long left = v ? strtoull(v, NULL, 10) : 0;
	mkdir("/dev", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	char path[300];
	int fd = -1;
	for (int i = 0; i < 2000 && fd < 0; i++) {
		if (find_port(path, sizeof(path)))
			fd = open(path, O_RDWR);
		if (fd < 0) {
			struct timespec ts = {0, 5000000};
			nanosleep(&ts, NULL);
		}
	}
	static char buf[65536];
	while (fd >= 0 && left > 0) {
		ssize_t n = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n <= 0)
			break;
		left -= (unsigned long long)n;
	}
	/* Writes return once the data is queued, not delivered: wait for the host's byte that says
	 * it read everything, or power-off would drop what is still in flight. */
	char ack;
	if (fd >= 0 && left == 0)
		(void)!read(fd, &ack, 1);
	reboot(RB_POWER_OFF);
	return 0;
}
