/* SPDX-License-Identifier: Apache-2.0 */
/* The state store: ids become directories, state.json round-trips, liveness decides status. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "state.h"

static char root[] = "/tmp/kata-unit-root.XXXXXX";

static void test_create_roundtrip_and_status(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	struct kata_context ctx = {.root = root};
	struct kata_error err = {0};
	int lock = -1;
	assert_int_equal(state_create(&ctx, "c1", &lock, &err), 0);
	assert_true(lock >= 0);
	/* The id is taken while the directory exists. */
	int lock2 = -1;
	assert_int_equal(state_create(&ctx, "c1", &lock2, &err), -EEXIST);
	assert_string_equal(err.msg, "container with id exists: c1");

	char dir[PATH_MAX];
	assert_int_equal(state_dir(&ctx, "c1", dir, &err), 0);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	struct container_state s = {.id = "c1",
				    .status = "running",
				    .pid = getpid(),
				    .bundle = "/b",
				    .rootfs = "/b/rootfs",
				    .created = "t",
				    .annotations_json = "{\"a\":\"b\"}",
				    .exit_status = -1};
	proc_start_time(getpid(), &s.pid_start);
	assert_int_equal(state_write(dir, &s, &err), 0);
	struct container_state back;
	assert_int_equal(state_read(dir, &back, &err), 0);
	assert_string_equal(back.status, "running");
	assert_int_equal(back.pid, getpid());
	assert_string_equal(back.bundle, "/b");
	assert_string_equal(back.annotations_json, "{\"a\":\"b\"}");
	container_state_clear(&back);

	/* A pid whose start time differs is another process: the container stopped. */
	s.pid_start += 12345;
	assert_int_equal(state_write(dir, &s, &err), 0);
	assert_int_equal(state_read(dir, &back, &err), 0);
	assert_string_equal(back.status, "stopped");
	container_state_clear(&back);

	assert_int_equal(state_update_status(dir, "stopped", 42, &err), 0);
	assert_int_equal(state_read(dir, &back, &err), 0);
	assert_int_equal(back.exit_status, 42);
	container_state_clear(&back);

	close(lock);
	assert_int_equal(rm_rf(root), 0);
	assert_int_equal(access(root, F_OK), -1);
}

static void test_bad_ids_make_no_path(void **state)
{
	(void)state;
	struct kata_context ctx = {.root = "/tmp"};
	struct kata_error err = {0};
	char dir[PATH_MAX];
	assert_int_equal(state_dir(&ctx, "../etc", dir, &err), -EINVAL);
	assert_int_equal(state_dir(&ctx, "a/b", dir, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_roundtrip_and_status),
	    cmocka_unit_test(test_bad_ids_make_no_path),
	};
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
