/* SPDX-License-Identifier: Apache-2.0 */
/* The config.json parser: what it keeps, and errors that name the field at fault. */
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

#include "oci_spec.h"

static char bundle[] = "/tmp/kata-unit-bundle.XXXXXX";

static int setup_bundle(void **state)
{
	(void)state;
	if (!mkdtemp(bundle))
		return -1;
	char path[256];
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	return mkdir(path, 0755);
}

static int teardown_bundle(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	rmdir(path);
	return rmdir(bundle);
}

#define GOOD_SPEC                                                                                  \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"              \
	"\"hostname\":\"h1\",\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":24,"       \
	"\"width\":80},\"user\":{\"uid\":1000,\"gid\":100,\"additionalGids\":[5,6]},"              \
	"\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"A=1\"],\"cwd\":\"/tmp\","                    \
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,\"soft\":1024}]}," \
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","            \
	"\"options\":[\"nosuid\"]}],\"annotations\":{\"k\":\"v\"},"                                \
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],"                     \
	"\"maskedPaths\":[\"/proc/kcore\"]}}"

static void test_good_spec(void **state)
{
	(void)state;
	struct oci_spec *s = NULL;
	struct kata_error err = {0};
	assert_int_equal(oci_spec_parse(GOOD_SPEC, bundle, &s, &err), 0);
	Grpc__Spec *sp = s->spec;
	assert_string_equal(sp->version, "1.0.2");
	assert_string_equal(sp->hostname, "h1");
	assert_true(sp->root->readonly);
	assert_true(sp->process->terminal);
	assert_int_equal(sp->process->consolesize->height, 24);
	assert_int_equal(sp->process->user->uid, 1000);
	assert_int_equal(sp->process->user->n_additionalgids, 2);
	assert_int_equal(sp->process->user->additionalgids[1], 6);
	assert_int_equal(sp->process->n_args, 3);
	assert_string_equal(sp->process->args[2], "true");
	assert_string_equal(sp->process->cwd, "/tmp");
	assert_int_equal(sp->process->n_rlimits, 1);
	assert_true(sp->process->rlimits[0]->hard == UINT64_MAX);
	assert_int_equal(sp->n_mounts, 1);
	assert_string_equal(sp->mounts[0]->type, "proc");
	assert_int_equal(sp->n_annotations, 1);
	assert_string_equal(sp->annotations[0]->value, "v");
	assert_string_equal(s->annotations_json, "{\"k\":\"v\"}");
	assert_int_equal(sp->linux->n_namespaces, 2);
	assert_string_equal(sp->linux->maskedpaths[0], "/proc/kcore");
	char want[300];
	snprintf(want, sizeof(want), "%s/rootfs", bundle);
	assert_string_equal(s->rootfs, want);
	oci_spec_free(s);
}

static void expect_error(const char *json, const char *fragment)
{
	struct oci_spec *s = NULL;
	struct kata_error err = {0};
	int rc = oci_spec_parse(json, bundle, &s, &err);
	if (rc >= 0 || !strstr(err.msg, fragment)) {
		print_error("expected an error containing [%s], got rc=%d msg=[%s]\n", fragment, rc,
			    err.msg);
		oci_spec_free(s);
		fail();
	}
}

static void test_errors_name_the_field(void **state)
{
	(void)state;
	expect_error("{", "invalid JSON");
	expect_error("[]", "expected a JSON object");
	expect_error("{\"root\":{\"path\":\"rootfs\"}}", "ociVersion is required");
	expect_error("{\"ociVersion\":\"2.0\"}", "unsupported ociVersion \"2.0\"");
	expect_error("{\"ociVersion\":\"1.0.2\"}", "root is required");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}}",
		     "process is required");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":\"sh\",\"cwd\":\"/\"}}",
		     "process.args: expected an array of strings");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":[],\"cwd\":\"/\"}}",
		     "process.args must not be empty");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":[\"sh\"],\"cwd\":\"rel\"}}",
		     "process.cwd \"rel\" is not an absolute path");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}",
		     "process.user.uid: expected a non-negative integer");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"namespaces\":[{\"type\":"
		     "\"bogus\"}]}}",
		     "unknown namespace type \"bogus\"");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"nope\"},\"process\":{"
		     "\"args\":[\"sh\"],\"cwd\":\"/\"}}",
		     "rootfs");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":[\"sh\"],\"cwd\":\"/\"},\"mounts\":[{\"destination\":\"rel\"}]}",
		     "destination \"rel\" is not absolute");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		     "\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"seccomp\":{}}}",
		     "linux.seccomp.defaultAction is required");
}

static void test_ids_and_signals(void **state)
{
	(void)state;
	struct kata_error err = {0};
	assert_int_equal(kata_id_validate("abc-1_2.3+x", &err), 0);
	assert_int_equal(kata_id_validate("", &err), -EINVAL);
	assert_int_equal(kata_id_validate("..", &err), -EINVAL);
	assert_int_equal(kata_id_validate("a/b", &err), -EINVAL);
	assert_int_equal(kata_id_validate("a b", &err), -EINVAL);
	char longid[200];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(kata_id_validate(longid, &err), -EINVAL);

	assert_int_equal(kata_signal_parse("9"), 9);
	assert_int_equal(kata_signal_parse("KILL"), 9);
	assert_int_equal(kata_signal_parse("SIGKILL"), 9);
	assert_int_equal(kata_signal_parse("sigterm"), 15);
	assert_int_equal(kata_signal_parse("USR1"), 10);
	assert_int_equal(kata_signal_parse("RTMIN+1"), 35);
	assert_int_equal(kata_signal_parse("0"), -EINVAL);
	assert_int_equal(kata_signal_parse("65"), -EINVAL);
	assert_int_equal(kata_signal_parse("SIGBOGUS"), -EINVAL);
	assert_int_equal(kata_signal_parse("9x"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_spec),
	    cmocka_unit_test(test_errors_name_the_field),
	    cmocka_unit_test(test_ids_and_signals),
	};
	return cmocka_run_group_tests_name("oci_spec", tests, setup_bundle, teardown_bundle);
}
