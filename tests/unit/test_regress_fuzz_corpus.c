/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays the committed fuzz corpus (tests/fuzz/corpus/<target>/) through the fuzz targets
 * themselves, built here without libFuzzer, so every input that ever crashed one - committed
 * there as a regression - keeps being checked by `make unit` under ASan and UBSan. The targets
 * abort() on a broken invariant, which fails this test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Each target's entry point under its own name, so all four link into one test. */
#define LLVMFuzzerTestOneInput fuzz_oci_spec_one
#define LLVMFuzzerInitialize   fuzz_oci_spec_init
#include "../fuzz/fuzz_oci_spec.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_ttrpc_frame_one
#include "../fuzz/fuzz_ttrpc_frame.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_agent_request_one
#include "../../agent/frame_reader.c"
#include "../fuzz/fuzz_agent_request.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_qmp_reply_one
#include "../fuzz/fuzz_qmp_reply.c"
#undef LLVMFuzzerTestOneInput

/* tests/unit/ -> tests/fuzz/corpus/, wherever the test runs from. */
static void corpus_dir(const char *target, char out[PATH_MAX])
{
	char here[PATH_MAX];
	snprintf(here, sizeof(here), "%s", __FILE__);
	char *slash = strrchr(here, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(here, sizeof(here), ".");
	snprintf(out, PATH_MAX, "%s/../fuzz/corpus/%s", here, target);
}

/* Feeds every file of the target's corpus to fn; returns how many there were. */
static int replay(const char *target, int (*fn)(const uint8_t *, size_t))
{
	char dir[PATH_MAX];
	corpus_dir(target, dir);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open corpus %s: %s", dir, strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX + 256];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
		assert_non_null(buf);
		assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
		close(fd);
		print_message("%s: %s (%lld bytes)\n", target, e->d_name, (long long)st.st_size);
		fn(buf, (size_t)st.st_size);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void test_oci_spec_corpus(void **state)
{
	(void)state;
	fuzz_oci_spec_init(NULL, NULL);
	assert_true(replay("fuzz_oci_spec", fuzz_oci_spec_one) > 0);
}

static void test_ttrpc_frame_corpus(void **state)
{
	(void)state;
	assert_true(replay("fuzz_ttrpc_frame", fuzz_ttrpc_frame_one) > 0);
}

static void test_agent_request_corpus(void **state)
{
	(void)state;
	assert_true(replay("fuzz_agent_request", fuzz_agent_request_one) > 0);
}

static void test_qmp_reply_corpus(void **state)
{
	(void)state;
	assert_true(replay("fuzz_qmp_reply", fuzz_qmp_reply_one) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oci_spec_corpus),
	    cmocka_unit_test(test_ttrpc_frame_corpus),
	    cmocka_unit_test(test_agent_request_corpus),
	    cmocka_unit_test(test_qmp_reply_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
