/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM pool's bookkeeping without VMs: the directory, which configurations may pool, the
 * fingerprint, the states read from a VM directory, and a claim that only one taker wins.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "factory.h"
#include "fsutil.h"

static char base[] = "/tmp/kata-factory-test.XXXXXX";

static void put(const char *vm, const char *file, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms/%s", base, vm);
	assert_int_equal(mkdir_p(path, 0700), 0);
	if (!file)
		return;
	snprintf(path, sizeof(path), "%s/vms/%s/%s", base, vm, file);
	assert_int_equal(write_file_atomic(path, text, strlen(text)), 0);
}

static struct runtime_config config(void)
{
	struct runtime_config c = {.vcpus = 1, .memory_mib = 128, .vm_cache_number = 2};
	snprintf(c.qemu, sizeof(c.qemu), "/usr/bin/qemu-system-x86_64");
	snprintf(c.kernel, sizeof(c.kernel), "/k/vmlinux");
	snprintf(c.initrd, sizeof(c.initrd), "/k/initramfs.cpio");
	return c;
}

/* A saved template is used only while its fingerprint matches: the VM settings and the
 * identity of the kernel it booted (a rebuilt kernel makes it stale). */
static void test_template_find(void **state)
{
	setenv(FACTORY_DIR_ENV, base, 1);
	char kernel[PATH_MAX];
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", base);
	assert_int_equal(mkdir_p(base, 0700), 0);
	assert_int_equal(write_file_atomic(kernel, "k1", 2), 0);
	struct runtime_config c = config();
	snprintf(c.kernel, sizeof(c.kernel), "%s", kernel);
	struct kata_error err = {0};
	struct factory_template t;

	/* None saved. */
	assert_int_equal(factory_template_find(&c, &t, &err), 0);
	char expect[PATH_MAX + 32];
	snprintf(expect, sizeof(expect), "%s/template", base);
	assert_string_equal(t.dir, expect);

	/* Saved for this configuration: found, with its files. */
	char path[PATH_MAX + 32];
	assert_int_equal(mkdir_p(t.dir, 0700), 0);
	char *fp = factory_template_fingerprint(&c);
	assert_non_null(fp);
	snprintf(path, sizeof(path), "%s/fingerprint", t.dir);
	assert_int_equal(write_file_atomic(path, fp, strlen(fp)), 0);
	assert_int_equal(write_file_atomic(t.memory, "m", 1), 0);
	assert_int_equal(write_file_atomic(t.state, "s", 1), 0);
	assert_int_equal(factory_template_find(&c, &t, &err), 1);

	/* Another VM size: not this template. */
	struct runtime_config big = c;
	big.memory_mib = 256;
	assert_int_equal(factory_template_find(&big, &t, &err), 0);

	/* The kernel rebuilt (another size): stale. */
	assert_int_equal(write_file_atomic(kernel, "k22", 3), 0);
	if (factory_template_find(&c, &t, &err) != 0)
		fail_msg("expected a template of the old kernel to be stale, it was found");

	/* A missing state file: not usable. */
	free(fp);
	fp = factory_template_fingerprint(&c);
	assert_int_equal(write_file_atomic(path, fp, strlen(fp)), 0);
	assert_int_equal(factory_template_find(&c, &t, &err), 1);
	unlink(t.state);
	assert_int_equal(factory_template_find(&c, &t, &err), 0);
	free(fp);
	factory_template_remove();
	assert_int_equal(access(t.dir, F_OK), -1);
	unlink(kernel);
}

static void test_dir_and_support(void **state)
{
	unsetenv(FACTORY_DIR_ENV);
	assert_string_equal(factory_dir(), FACTORY_DIR_DEFAULT);
	setenv(FACTORY_DIR_ENV, base, 1);
	assert_string_equal(factory_dir(), base);

	struct runtime_config c = config();
	assert_null(factory_unsupported(&c));
	c.shared_fs = VM_SHARED_FS_VIRTIO_FS;
	assert_non_null(strstr(factory_unsupported(&c), "virtio-fs"));
}

static void test_fingerprint(void **state)
{
	struct runtime_config a = config(), b = config();
	char *fa = factory_fingerprint(&a), *fb = factory_fingerprint(&b);
	assert_string_equal(fa, fb);
	free(fb);
	/* A container sized up by its memory limit must not take a default VM. */
	b.memory_mib = 192;
	fb = factory_fingerprint(&b);
	assert_string_not_equal(fa, fb);
	assert_non_null(strstr(fb, "memory=192\n"));
	free(fb);
	b = config();
	snprintf(b.kernel_params, sizeof(b.kernel_params), "x=1");
	fb = factory_fingerprint(&b);
	assert_string_not_equal(fa, fb);
	free(fa);
	free(fb);
}

static void test_states_and_claim(void **state)
{
	setenv(FACTORY_DIR_ENV, base, 1);
	char me[32], dead[32];
	snprintf(me, sizeof(me), "%d", (int)getpid());
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(dead, sizeof(dead), "%d", (int)child);

	struct runtime_config c = config();
	char *fp = factory_fingerprint(&c);
	put("vm-a", "keeper.pid", me);
	put("vm-a", "fingerprint", fp);
	put("vm-a", "ready", "");
	put("vm-b", "keeper.pid", me);
	put("vm-b", "claimed", "");
	put("vm-c", "keeper.pid", dead);
	put("vm-c", "ready", "");
	put("vm-d", NULL, NULL);
	free(fp);

	struct factory_entry *e = NULL;
	size_t n = 0;
	struct kata_error err = {0};
	assert_int_equal(factory_list(&e, &n, &err), 0);
	assert_int_equal(n, 4);
	const char *names[] = {"vm-a", "vm-b", "vm-c", "vm-d"};
	const char *want[] = {"ready", "claimed", "stale", "booting"};
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(e[i].name, names[i]);
		assert_string_equal(e[i].state, want[i]);
	}
	assert_int_equal(e[0].keeper, getpid());
	free(e);

	/* The claim renames ready -> claimed first; with no keeper listening, vm-a is not
	 * taken, and nobody can take it again. */
	struct factory_vm v = {.dirfd = -1, .conn = -1};
	assert_int_equal(factory_claim(&c, &v, &err), 0);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms/vm-a/claimed", base);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(factory_claim(&c, &v, &err), 0);

	/* A different VM size never matches. */
	c.memory_mib = 256;
	assert_int_equal(factory_claim(&c, &v, &err), 0);
}

static int teardown(void **state)
{
	rm_rf(base);
	return 0;
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dir_and_support),
	    cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_states_and_claim),
	    cmocka_unit_test(test_template_find),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
