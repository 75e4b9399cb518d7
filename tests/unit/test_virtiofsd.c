/* SPDX-License-Identifier: Apache-2.0 */
/* The virtiofsd probe that makes virtio-fs the default, and virtiofsd's command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "virtiofsd.h"

static void test_usable(void **state)
{
	char why[512];
	assert_false(virtiofsd_usable("/nonexistent/virtiofsd", why, sizeof(why)));
	assert_string_equal(why, "/nonexistent/virtiofsd: No such file or directory");
	/* Not executable (even root needs an x bit). */
	char plain[] = "/tmp/kata-test-vfsd-XXXXXX";
	int fd = mkstemp(plain);
	assert_true(fd >= 0);
	close(fd);
	assert_false(virtiofsd_usable(plain, why, sizeof(why)));
	unlink(plain);
	assert_non_null(strstr(why, "Permission denied"));
	/* Runs, but `--version` fails: not usable. */
	assert_false(virtiofsd_usable("/bin/false", why, sizeof(why)));
	assert_string_equal(why, "/bin/false --version exited with status 1");
	assert_true(virtiofsd_usable("/bin/true", why, sizeof(why)));
	assert_string_equal(why, "/bin/true runs");
}

static void test_argv(void **state)
{
	struct strv argv = {0};
	assert_int_equal(virtiofsd_build_argv("/usr/lib/qemu/virtiofsd", "/run/k/c1/shared",
					      VM_VIRTIOFS_CACHE_NEVER, 5, &argv),
			 0);
	const char *want[] = {"/usr/lib/qemu/virtiofsd",
			      "--fd=5",
			      "-f",
			      "-o",
			      "source=/run/k/c1/shared",
			      "-o",
			      "cache=none",
			      "-o",
			      "announce_submounts",
			      "--rlimit-nofile=0"};
	assert_int_equal(argv.n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < argv.n; i++)
		assert_string_equal(argv.v[i], want[i]);
	strv_clear(&argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_usable),
	    cmocka_unit_test(test_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
