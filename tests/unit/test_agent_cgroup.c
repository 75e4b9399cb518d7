/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's cgroup naming: linux.cgroupsPath stays below the guest's cgroup root whatever
 * it says. The agent is not part of libkata, so its sources are compiled in here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/cgroup.c"
#include "../../agent/log.c"

static void expect_path(const char *cgroups_path, const char *want)
{
	char *got = NULL;
	struct kata_error err = {0};
	int rc = cgroup_resolve("c1", cgroups_path, &got, &err);
	if (rc < 0 || strcmp(got, want) != 0) {
		print_error("cgroupsPath [%s]: expected [%s], got rc=%d [%s] (%s)\n", cgroups_path,
			    want, rc, got ? got : "", err.msg);
		free(got);
		fail();
	}
	free(got);
}

static void test_cgroups_path_sanitized(void **state)
{
	(void)state;
	expect_path(NULL, "kata/c1");
	expect_path("", "kata/c1");
	expect_path("/machine/c1", "machine/c1");
	expect_path("relative/x", "relative/x");
	expect_path("//a///b/", "a/b");
	expect_path("/a/./b", "a/b");
	/* ".." never climbs above the guest's cgroup root. */
	expect_path("/../../etc", "etc");
	expect_path("/a/b/../c", "a/c");
	/* systemd's slice:prefix:name */
	expect_path("machine.slice:libpod:abc", "machine.slice/libpod-abc.scope");

	char *got = NULL;
	struct kata_error err = {0};
	assert_int_equal(cgroup_resolve("c1", "/", &got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "names the guest's root cgroup"));
	assert_int_equal(cgroup_resolve("c1", "/a/..", &got, &err), -EINVAL);
	assert_null(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cgroups_path_sanitized),
	};
	return cmocka_run_group_tests_name("agent_cgroup", tests, NULL, NULL);
}
