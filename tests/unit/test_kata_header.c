/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public header and the waiting API. kata.h comes first, alone and under -Wpedantic as an
 * error: it must compile with nothing included before it, as a program using the installed
 * library includes it. (tests/bats/library.bats compiles it as C++ too.)
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpedantic"
#include "kata.h"
#pragma GCC diagnostic pop

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "state.h"

static char root[] = "/tmp/kata-unit-exit.XXXXXX";

/* Everything the header promises is usable from C without other includes. */
static void test_header_types_and_prototypes(void **state)
{
	(void)state;
	struct kata_context ctx = {.root = "/nonexistent", .log_format = KATA_LOG_JSON};
	struct kata_error err = {0};
	int (*exit_fd)(const struct kata_context *, const char *, int *, struct kata_error *) =
	    kata_container_exit_fd;
	int (*exit_status)(const struct kata_context *, const char *, int *, struct kata_error *) =
	    kata_container_exit_status;
	assert_non_null(exit_fd);
	assert_non_null(exit_status);
	assert_int_equal(sizeof(err.msg), 1024);
	assert_int_equal(ctx.log_format, 1);
}

/* Writes state.json for container `id` under root, as the monitor would. */
static void write_state(const char *id, const char *status, pid_t pid, unsigned long long start,
			int exit_status)
{
	struct kata_context ctx = {.root = root};
	struct kata_error err = {0};
	char dir[PATH_MAX];
	assert_int_equal(state_dir(&ctx, id, dir, &err), 0);
	if (access(dir, F_OK) < 0) {
		int lock = -1;
		assert_int_equal(state_create(&ctx, id, &lock, &err), 0);
		close(lock);
	}
	struct container_state st = {.id = (char *)id,
				     .status = (char *)status,
				     .pid = pid,
				     .pid_start = start,
				     .bundle = "/b",
				     .rootfs = "/b/rootfs",
				     .created = "t",
				     .exit_status = exit_status};
	assert_int_equal(state_write(dir, &st, &err), 0);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Never outlive a failed test, nor hold its output pipe open. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		alarm(60);
		pause();
		_exit(0);
	}
	return pid;
}

static short poll_fd(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	assert_true(n >= 0);
	return n == 0 ? 0 : p.revents;
}

static int setup_root(void **state)
{
	(void)state;
	strcpy(root, "/tmp/kata-unit-exit.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown_root(void **state)
{
	(void)state;
	return rm_rf(root);
}

/* A live monitor: the fd is its pidfd, quiet until it exits, readable once it is a zombie. */
static void test_exit_fd_follows_the_monitor(void **state)
{
	(void)state;
	struct kata_context ctx = {.root = root};
	struct kata_error err = {0};
	pid_t child = spawn_sleeper();
	unsigned long long start = 0;
	assert_int_equal(proc_start_time(child, &start), 0);
	write_state("c1", "running", child, start, -1);

	int fd = -1;
	assert_int_equal(kata_container_exit_fd(&ctx, "c1", &fd, &err), 0);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(poll_fd(fd, 200), 0);
	int status = -1;
	assert_int_equal(kata_container_exit_status(&ctx, "c1", &status, &err), -EBUSY);
	assert_int_equal(err.status, EBUSY);
	assert_string_equal(err.msg, "container \"c1\" has not exited: it is running");
	assert_int_equal(status, -1);

	/* Not reaped on purpose: a zombie monitor has exited all the same. */
	kill(child, SIGKILL);
	assert_true(poll_fd(fd, 5000) & POLLIN);
	close(fd);
	/* It died without recording a status: stopped, but the status is unknown. */
	assert_int_equal(kata_container_exit_status(&ctx, "c1", &status, &err), -ENODATA);
	assert_int_equal(status, -1);
	waitpid(child, NULL, 0);
}

/* A recorded exit status comes back; a stopped container's fd is readable at once. */
static void test_stopped_container(void **state)
{
	(void)state;
	struct kata_context ctx = {.root = root};
	struct kata_error err = {0};
	write_state("c2", "stopped", 0, 0, 3);
	int status = -1;
	assert_int_equal(kata_container_exit_status(&ctx, "c2", &status, &err), 0);
	assert_int_equal(status, 3);
	int fd = -1;
	assert_int_equal(kata_container_exit_fd(&ctx, "c2", &fd, &err), 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(poll_fd(fd, 0) & POLLIN);
	close(fd);
}

/* The recorded pid now belongs to another process (a different start time): that process is
 * never waited on; the container counts as stopped and its fd is readable at once. */
static void test_reused_pid_is_not_followed(void **state)
{
	(void)state;
	struct kata_context ctx = {.root = root};
	struct kata_error err = {0};
	pid_t impostor = spawn_sleeper();
	unsigned long long start = 0;
	assert_int_equal(proc_start_time(impostor, &start), 0);
	write_state("c3", "running", impostor, start + 1, -1);
	int fd = -1;
	assert_int_equal(kata_container_exit_fd(&ctx, "c3", &fd, &err), 0);
	assert_true(poll_fd(fd, 0) & POLLIN);
	close(fd);
	assert_int_equal(kill(impostor, 0), 0);
	int status = -1;
	assert_int_equal(kata_container_exit_status(&ctx, "c3", &status, &err), -ENODATA);
	kill(impostor, SIGKILL);
	waitpid(impostor, NULL, 0);
}

static void test_errors(void **state)
{
	(void)state;
	struct kata_context ctx = {.root = root};
	struct kata_error err = {0};
	int fd = -1, status = -1;
	assert_int_equal(kata_container_exit_fd(&ctx, "nope", &fd, &err), -ENOENT);
	assert_string_equal(err.msg, "container \"nope\" does not exist");
	assert_int_equal(kata_container_exit_status(&ctx, "nope", &status, &err), -ENOENT);
	assert_int_equal(kata_container_exit_fd(&ctx, "../x", &fd, &err), -EINVAL);
	assert_int_equal(fd, -1);

	/* While creating, the recorded pid is the creator's, which must not be mistaken for a
	 * monitor. */
	unsigned long long start = 0;
	assert_int_equal(proc_start_time(getpid(), &start), 0);
	write_state("c4", "creating", getpid(), start, -1);
	assert_int_equal(kata_container_exit_fd(&ctx, "c4", &fd, &err), -EAGAIN);
	assert_int_equal(fd, -1);
	assert_int_equal(kata_container_exit_status(&ctx, "c4", &status, &err), -EBUSY);

	/* Without a recorded start time the pid cannot be verified. */
	write_state("c5", "running", getpid(), 0, -1);
	assert_int_equal(kata_container_exit_fd(&ctx, "c5", &fd, &err), -ESTALE);
	assert_int_equal(fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_types_and_prototypes),
	    cmocka_unit_test_setup_teardown(test_exit_fd_follows_the_monitor, setup_root,
					    teardown_root),
	    cmocka_unit_test_setup_teardown(test_stopped_container, setup_root, teardown_root),
	    cmocka_unit_test_setup_teardown(test_reused_pid_is_not_followed, setup_root,
					    teardown_root),
	    cmocka_unit_test_setup_teardown(test_errors, setup_root, teardown_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
