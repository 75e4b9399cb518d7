/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run_container: the smallest complete libkata client. It creates a container from a bundle
 * (the container's stdio is this program's), starts it, waits for it with an exit fd and
 * poll(2), prints the exit status on stderr, deletes the container and exits with its status.
 *
 *   cc -o run_container run_container.c $(pkg-config --cflags --libs kata)
 *   ./run_container [--root DIR] BUNDLE ID
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kata.h>

static int fail(const char *what, const struct kata_error *err)
{
	fprintf(stderr, "run_container: %s: %s\n", what, err->msg);
	return 125;
}

/* Blocks until the container has stopped; poll is where an event loop would add the fd. */
static int wait_exit(const struct kata_context *ctx, const char *id, struct kata_error *err)
{
	int fd;
	int rc = kata_container_exit_fd(ctx, id, &fd, err);
	if (rc < 0)
		return rc;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while ((rc = poll(&p, 1, -1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (rc < 0) {
		err->status = errno;
		snprintf(err->msg, sizeof(err->msg), "poll: %s", strerror(errno));
		return -err->status;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct kata_context ctx = {0};
	int arg = 1;
	if (argc > 2 && !strcmp(argv[1], "--root")) {
		ctx.root = argv[2];
		arg = 3;
	}
	if (argc - arg != 2) {
		fprintf(stderr, "usage: %s [--root DIR] BUNDLE ID\n", argv[0]);
		return 125;
	}
	const char *id = argv[arg + 1];
	struct kata_create_options opts = {.bundle = argv[arg]};
	struct kata_error err = {0};

	if (kata_container_create(&ctx, id, &opts, &err) < 0)
		return fail("create", &err);
	int status = -1;
	const char *step = "start";
	if (kata_container_start(&ctx, id, &err) < 0 ||
	    (step = "wait", wait_exit(&ctx, id, &err)) < 0 ||
	    (step = "exit status", kata_container_exit_status(&ctx, id, &status, &err)) < 0) {
		int ret = fail(step, &err);
		kata_container_delete(&ctx, id, true, NULL);
		return ret;
	}
	fprintf(stderr, "run_container: %s exited with status %d\n", id, status);
	if (kata_container_delete(&ctx, id, false, &err) < 0)
		return fail("delete", &err);
	return status;
}
