/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file: every key parsed, unknown keys, wrong types and bad values named by
 * path, the search order with KATA_CONF_FILE, the environment winning over the file, and the
 * hypervisor annotations allowed or refused.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
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

#include "config_file.h"
#include "runtime_config.h"
#include "virtiofsd.h"

static const char full[] =
    "{\"hypervisor\": {\"qemu\": {\"path\": \"/opt/q\", \"kernel\": \"/opt/k\", \"initrd\": "
    "\"/opt/i\", \"kernel_params\": \"a=1 b\", \"default_vcpus\": 2, \"default_memory\": 512, "
    "\"shared_fs\": \"virtio-fs\", \"virtio_fs_daemon\": \"/opt/vfsd\", \"virtio_fs_cache\": "
    "\"never\", "
    "\"enable_annotations\": [\"default_memory\", \"kernel_params\"], \"enable_debug\": true}},"
    " \"agent\": {\"kata\": {\"dial_timeout\": 7, \"enable_debug\": true}},"
    " \"runtime\": {\"enable_debug\": true, \"internetworking_model\": \"none\"},"
    " \"factory\": {\"vm_cache_number\": 3, \"enable_template\": false}}";

static void test_every_key(void **state)
{
	struct config_file c;
	struct kata_error err = {0};
	assert_int_equal(config_file_parse("/x/configuration.json", full, &c, &err), 0);
	assert_string_equal(c.path, "/x/configuration.json");
	assert_string_equal(c.qemu, "/opt/q");
	assert_string_equal(c.kernel, "/opt/k");
	assert_string_equal(c.initrd, "/opt/i");
	assert_string_equal(c.kernel_params, "a=1 b");
	assert_int_equal(c.vcpus, 2);
	assert_int_equal(c.memory_mib, 512);
	assert_int_equal(c.shared_fs, VM_SHARED_FS_VIRTIO_FS);
	assert_true(c.set.shared_fs);
	assert_string_equal(c.virtiofsd, "/opt/vfsd");
	assert_int_equal(c.virtiofs_cache, VM_VIRTIOFS_CACHE_NEVER);
	assert_int_equal(c.annotations,
			 CONFIG_ANNOTATION_DEFAULT_MEMORY | CONFIG_ANNOTATION_KERNEL_PARAMS);
	assert_true(c.hypervisor_debug);
	assert_int_equal(c.dial_timeout_s, 7);
	assert_true(c.agent_debug);
	assert_true(c.runtime_debug);
	assert_int_equal(c.net_model, CONFIG_NET_NONE);
	assert_int_equal(c.vm_cache_number, 3);

	/* VM templating is accepted; with virtio-fs named it is refused (QEMU cannot save
	 * a VM with a vhost-user-fs device). */
	assert_int_equal(
	    config_file_parse("f", "{\"factory\": {\"enable_template\": true}}", &c, &err), 0);
	assert_true(c.factory_template);
	assert_int_equal(
	    config_file_parse("f",
			      "{\"factory\": {\"enable_template\": true}, "
			      "\"hypervisor\": {\"qemu\": {\"shared_fs\": \"virtio-fs\"}}}",
			      &c, &err),
	    -EINVAL);
	if (!strstr(err.msg, "f: factory.enable_template needs hypervisor.qemu.shared_fs"))
		fail_msg("expected the template/virtio-fs conflict, got [%s]", err.msg);

	/* An empty object is all defaults. */
	assert_int_equal(config_file_parse("f", "{}", &c, &err), 0);
	assert_int_equal(c.shared_fs, VM_SHARED_FS_9P);
	assert_false(c.set.shared_fs);
	assert_int_equal(c.vcpus, 0);
	assert_int_equal(c.annotations, 0);
	assert_int_equal(c.net_model, CONFIG_NET_TCFILTER);
	assert_int_equal(c.virtiofs_cache, VM_VIRTIOFS_CACHE_AUTO);
	assert_int_equal(config_file_parse("f",
					   "{\"hypervisor\": {\"qemu\": {\"shared_fs\": "
					   "\"virtio-9p\"}}}",
					   &c, &err),
			 0);
	assert_int_equal(c.shared_fs, VM_SHARED_FS_9P);
	assert_true(c.set.shared_fs);
}

/* Parsing `json` fails with exactly `msg`. */
static void expect_error(const char *json, const char *msg)
{
	struct config_file c;
	struct kata_error err = {0};
	assert_int_equal(config_file_parse("configuration.json", json, &c, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_unknown_keys(void **state)
{
	expect_error("{\"hypervisor\": {\"qemu\": {\"defualt_memory\": 512}}}",
		     "configuration.json: hypervisor.qemu.defualt_memory: unknown key (known here: "
		     "path, kernel, initrd, kernel_params, default_vcpus, default_memory, "
		     "shared_fs, virtio_fs_daemon, virtio_fs_cache, enable_annotations, "
		     "enable_debug, use_vsock)");
	expect_error("{\"hypervisor\": {\"clh\": {}}}",
		     "configuration.json: hypervisor.clh: unknown key (known here: qemu)");
	expect_error("{\"agent\": {\"kata\": {\"debug\": true}}}",
		     "configuration.json: agent.kata.debug: unknown key (known here: dial_timeout, "
		     "enable_debug)");
	expect_error("{\"runtime\": {\"sandbox_cgroup_only\": true}}",
		     "configuration.json: runtime.sandbox_cgroup_only: unknown key (known here: "
		     "enable_debug, internetworking_model)");
	expect_error("{\"image\": {}}", "configuration.json: image: unknown key (known here: "
					"hypervisor, agent, runtime, factory)");
	expect_error("{\"runtime\": {\"enable_debug\": true, \"enable_debug\": false}}",
		     "configuration.json: runtime.enable_debug: duplicate key");
}

static void test_wrong_types(void **state)
{
	expect_error("{\"hypervisor\": {\"qemu\": {\"default_memory\": \"512\"}}}",
		     "configuration.json: hypervisor.qemu.default_memory: expected an integer, got "
		     "a string");
	expect_error("{\"hypervisor\": {\"qemu\": {\"default_vcpus\": 1.5}}}",
		     "configuration.json: hypervisor.qemu.default_vcpus: expected an integer, got "
		     "a number");
	expect_error(
	    "{\"hypervisor\": {\"qemu\": {\"enable_debug\": 1}}}",
	    "configuration.json: hypervisor.qemu.enable_debug: expected true or false, got "
	    "an integer");
	expect_error("{\"hypervisor\": {\"qemu\": {\"path\": null}}}",
		     "configuration.json: hypervisor.qemu.path: expected a string, got null");
	expect_error("{\"hypervisor\": []}",
		     "configuration.json: hypervisor: expected an object, got an array");
	expect_error("{\"hypervisor\": {\"qemu\": {\"enable_annotations\": \"kernel_params\"}}}",
		     "configuration.json: hypervisor.qemu.enable_annotations: expected an array of "
		     "annotation names, got a string");
	expect_error("{\"hypervisor\": {\"qemu\": {\"enable_annotations\": [\"kernel_params\", "
		     "3]}}}",
		     "configuration.json: hypervisor.qemu.enable_annotations[1]: expected a "
		     "string, got an integer");
	expect_error("{\"agent\": {\"kata\": {\"dial_timeout\": true}}}",
		     "configuration.json: agent.kata.dial_timeout: expected an integer, got a "
		     "boolean");
	expect_error("[]", "configuration.json: expected a JSON object, got an array");
}

static void test_bad_values(void **state)
{
	expect_error("{\"hypervisor\": {\"qemu\": {\"default_memory\": 16}}}",
		     "configuration.json: hypervisor.qemu.default_memory: 16 is out of range "
		     "(64..1048576 MiB)");
	expect_error("{\"hypervisor\": {\"qemu\": {\"default_vcpus\": 0}}}",
		     "configuration.json: hypervisor.qemu.default_vcpus: 0 is out of range "
		     "(1..256)");
	expect_error("{\"hypervisor\": {\"qemu\": {\"default_vcpus\": -1}}}",
		     "configuration.json: hypervisor.qemu.default_vcpus: -1 is out of range "
		     "(1..256)");
	expect_error("{\"agent\": {\"kata\": {\"dial_timeout\": 0}}}",
		     "configuration.json: agent.kata.dial_timeout: 0 is out of range (1..3600 s)");
	expect_error("{\"hypervisor\": {\"qemu\": {\"shared_fs\": \"virtiofs\"}}}",
		     "configuration.json: hypervisor.qemu.shared_fs: \"virtiofs\": expected "
		     "\"virtio-9p\" or \"virtio-fs\"");
	expect_error("{\"hypervisor\": {\"qemu\": {\"virtio_fs_cache\": \"none\"}}}",
		     "configuration.json: hypervisor.qemu.virtio_fs_cache: \"none\": expected "
		     "\"auto\", \"always\" or \"never\"");
	expect_error("{\"hypervisor\": {\"qemu\": {\"kernel\": \"vmlinux\"}}}",
		     "configuration.json: hypervisor.qemu.kernel: \"vmlinux\" is not an absolute "
		     "path");
	expect_error("{\"hypervisor\": {\"qemu\": {\"enable_annotations\": [\"enable_iommu\"]}}}",
		     "configuration.json: hypervisor.qemu.enable_annotations[0]: \"enable_iommu\" "
		     "is not an annotation kata supports (default_vcpus, default_memory, "
		     "kernel_params)");
	expect_error("{\"runtime\": {\"internetworking_model\": \"macvtap\"}}",
		     "configuration.json: runtime.internetworking_model: \"macvtap\": expected "
		     "\"tcfilter\" or \"none\"");

	char json[2200], params[1100];
	memset(params, 'x', sizeof(params) - 1);
	params[sizeof(params) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"hypervisor\": {\"qemu\": {\"kernel_params\": \"%s\"}}}",
		 params);
	expect_error(json, "configuration.json: hypervisor.qemu.kernel_params: longer than 1023 "
			   "bytes");

	struct config_file c;
	struct kata_error err = {0};
	assert_int_equal(config_file_parse("configuration.json", "{\"runtime\": ", &c, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "configuration.json: invalid JSON: "));
	assert_null(strchr(err.msg, '\n'));
}

static char dir[] = "/tmp/kata-unit-conf.XXXXXX";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_search_order(void **state)
{
	assert_non_null(mkdtemp(dir));
	char a[128], b[128], missing[128];
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	snprintf(missing, sizeof(missing), "%s/missing.json", dir);
	const char *const both[] = {missing, a, b, NULL};
	struct config_file c;
	struct kata_error err = {0};
	unsetenv("KATA_CONF_FILE");

	/* No file at all: the built-in defaults. */
	assert_int_equal(config_file_load(both, &c, &err), 0);
	assert_string_equal(c.path, "");
	assert_int_equal(c.vcpus, 0);

	write_text(b, "{\"hypervisor\": {\"qemu\": {\"default_vcpus\": 3}}}");
	assert_int_equal(config_file_load(both, &c, &err), 0);
	assert_string_equal(c.path, b);
	assert_int_equal(c.vcpus, 3);

	/* The first existing candidate wins, even over a later valid one. */
	write_text(a, "{\"hypervisor\": {\"qemu\": {\"default_vcpus\": 2}}}");
	assert_int_equal(config_file_load(both, &c, &err), 0);
	assert_string_equal(c.path, a);
	assert_int_equal(c.vcpus, 2);

	/* KATA_CONF_FILE overrides the search, and must exist. */
	setenv("KATA_CONF_FILE", b, 1);
	assert_int_equal(config_file_load(both, &c, &err), 0);
	assert_string_equal(c.path, b);
	setenv("KATA_CONF_FILE", missing, 1);
	assert_int_equal(config_file_load(both, &c, &err), -ENOENT);
	char want[256];
	snprintf(want, sizeof(want), "KATA_CONF_FILE=%s: No such file or directory", missing);
	assert_string_equal(err.msg, want);
	unsetenv("KATA_CONF_FILE");

	/* A broken file found by the search is an error, not skipped. */
	write_text(a, "{\"hypervisor\": {\"qemu\": {\"defualt_memory\": 512}}}");
	assert_int_equal(config_file_load(both, &c, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: hypervisor.qemu.defualt_memory: unknown key", a);
	assert_memory_equal(err.msg, want, strlen(want));
	unlink(a);
	unlink(b);
}

static const char *const env_names[] = {"KATA_QEMU",	   "KATA_KERNEL", "KATA_INITRD",
					"KATA_MEMORY_MIB", "KATA_VCPUS",  "KATA_BOOT_TIMEOUT_MS",
					"KATA_CONF_FILE"};

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(env_names) / sizeof(*env_names); i++)
		unsetenv(env_names[i]);
}

static void test_env_wins_over_file(void **state)
{
	char conf[128], kernel[128], initrd[128], daemon[128];
	snprintf(conf, sizeof(conf), "%s/conf.json", dir);
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd", dir);
	snprintf(daemon, sizeof(daemon), "%s/virtiofsd", dir);
	write_text(kernel, "k");
	write_text(initrd, "i");
	char json[1024];
	snprintf(json, sizeof(json),
		 "{\"hypervisor\": {\"qemu\": {\"path\": \"/bin/true\", \"kernel\": \"%s\", "
		 "\"initrd\": \"%s\", \"default_vcpus\": 2, \"default_memory\": 300, "
		 "\"kernel_params\": \"x=1\", \"enable_annotations\": [\"default_vcpus\"]}}, "
		 "\"agent\": {\"kata\": {\"dial_timeout\": 5}}}",
		 kernel, initrd);
	write_text(conf, json);
	clear_env();
	setenv("KATA_CONF_FILE", conf, 1);
	struct runtime_config cfg;
	struct kata_error err = {0};
	assert_int_equal(runtime_config_load(&cfg, &err), 0);
	assert_string_equal(cfg.source, conf);
	assert_string_equal(cfg.qemu, "/bin/true");
	assert_string_equal(cfg.kernel, kernel);
	assert_string_equal(cfg.initrd, initrd);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.memory_mib, 300);
	assert_int_equal(cfg.boot_timeout_ms, 5000);
	assert_string_equal(cfg.kernel_params, "x=1");
	/* No shared_fs: virtio-fs where the default virtiofsd runs, 9p otherwise. */
	char why[PATH_MAX + 128];
	bool usable = virtiofsd_usable(VM_VIRTIOFSD_DEFAULT, why, sizeof(why));
	assert_int_equal(cfg.shared_fs, usable ? VM_SHARED_FS_VIRTIO_FS : VM_SHARED_FS_9P);
	assert_string_equal(cfg.virtiofsd, VM_VIRTIOFSD_DEFAULT);
	assert_int_equal(cfg.annotations, CONFIG_ANNOTATION_DEFAULT_VCPUS);

	setenv("KATA_QEMU", "/bin/false", 1);
	setenv("KATA_KERNEL", initrd, 1);
	setenv("KATA_INITRD", kernel, 1);
	setenv("KATA_VCPUS", "4", 1);
	setenv("KATA_MEMORY_MIB", "128", 1);
	setenv("KATA_BOOT_TIMEOUT_MS", "900", 1);
	assert_int_equal(runtime_config_load(&cfg, &err), 0);
	assert_string_equal(cfg.qemu, "/bin/false");
	assert_string_equal(cfg.kernel, initrd);
	assert_string_equal(cfg.initrd, kernel);
	assert_int_equal(cfg.vcpus, 4);
	assert_int_equal(cfg.memory_mib, 128);
	assert_int_equal(cfg.boot_timeout_ms, 900);
	clear_env();

	/* A file's path that does not exist is named with its key. */
	snprintf(json, sizeof(json), "{\"hypervisor\": {\"qemu\": {\"kernel\": \"%s/nope\"}}}",
		 dir);
	write_text(conf, json);
	setenv("KATA_CONF_FILE", conf, 1);
	setenv("KATA_QEMU", "/bin/true", 1);
	assert_int_equal(runtime_config_load(&cfg, &err), -ENOENT);
	char want[512];
	snprintf(want, sizeof(want),
		 "%s: hypervisor.qemu.kernel: \"%s/nope\": No such file or directory", conf, dir);
	assert_string_equal(err.msg, want);

	/* virtio-fs chosen without its daemon: an error, not a quiet fallback to 9p. */
	snprintf(json, sizeof(json),
		 "{\"hypervisor\": {\"qemu\": {\"kernel\": \"%s\", \"initrd\": \"%s\", "
		 "\"shared_fs\": \"virtio-fs\", \"virtio_fs_daemon\": \"%s\"}}}",
		 kernel, initrd, daemon);
	write_text(conf, json);
	assert_int_equal(runtime_config_load(&cfg, &err), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: hypervisor.qemu.shared_fs is \"virtio-fs\" but its daemon "
		 "(virtio_fs_daemon) \"%s\" cannot run: No such file or directory",
		 conf, daemon);
	assert_string_equal(err.msg, want);
	write_text(daemon, "#!/bin/sh\n");
	chmod(daemon, 0755);
	assert_int_equal(runtime_config_load(&cfg, &err), 0);
	assert_int_equal(cfg.shared_fs, VM_SHARED_FS_VIRTIO_FS);
	assert_string_equal(cfg.virtiofsd, daemon);
	snprintf(want, sizeof(want), "hypervisor.qemu.shared_fs of %s", conf);
	assert_string_equal(cfg.shared_fs_reason, want);

	/* Without shared_fs, the daemon decides: one that runs makes virtio-fs the default... */
	snprintf(json, sizeof(json),
		 "{\"hypervisor\": {\"qemu\": {\"kernel\": \"%s\", \"initrd\": \"%s\", "
		 "\"virtio_fs_daemon\": \"%s\"}}}",
		 kernel, initrd, daemon);
	write_text(conf, json);
	assert_int_equal(runtime_config_load(&cfg, &err), 0);
	assert_int_equal(cfg.shared_fs, VM_SHARED_FS_VIRTIO_FS);
	snprintf(want, sizeof(want), "default: virtiofsd %s runs", daemon);
	assert_string_equal(cfg.shared_fs_reason, want);
	/* ...one that fails leaves 9p, saying why. */
	write_text(daemon, "#!/bin/sh\nexit 3\n");
	assert_int_equal(runtime_config_load(&cfg, &err), 0);
	assert_int_equal(cfg.shared_fs, VM_SHARED_FS_9P);
	snprintf(want, sizeof(want),
		 "default: virtio-fs unavailable (%s --version exited with status 3)", daemon);
	assert_string_equal(cfg.shared_fs_reason, want);
	clear_env();
	unlink(daemon);
	unlink(conf);
	unlink(kernel);
	unlink(initrd);
	rmdir(dir);
}

static Grpc__Spec__AnnotationsEntry entry(const char *key, const char *value)
{
	Grpc__Spec__AnnotationsEntry e = GRPC__SPEC__ANNOTATIONS_ENTRY__INIT;
	e.key = (char *)key;
	e.value = (char *)value;
	return e;
}

/* Applies one annotation to a config allowing `allowed`; returns the result, cfg in *out. */
static int apply_one(unsigned allowed, const char *key, const char *value,
		     struct runtime_config *out, struct kata_error *err)
{
	struct runtime_config cfg = {.vcpus = 1, .memory_mib = 256, .annotations = allowed};
	snprintf(cfg.kernel_params, sizeof(cfg.kernel_params), "conf=1");
	Grpc__Spec__AnnotationsEntry e = entry(key, value), other = entry("org.example", "x");
	Grpc__Spec__AnnotationsEntry *list[] = {&other, &e};
	int rc = runtime_config_apply_annotations(&cfg, list, 2, err);
	*out = cfg;
	return rc;
}

static void test_annotations(void **state)
{
	const unsigned all = CONFIG_ANNOTATION_DEFAULT_VCPUS | CONFIG_ANNOTATION_DEFAULT_MEMORY |
			     CONFIG_ANNOTATION_KERNEL_PARAMS;
	struct runtime_config cfg;
	struct kata_error err = {0};
	assert_int_equal(
	    apply_one(all, KATA_HYPERVISOR_ANNOTATION "default_vcpus", "3", &cfg, &err), 0);
	assert_int_equal(cfg.vcpus, 3);
	assert_int_equal(
	    apply_one(all, KATA_HYPERVISOR_ANNOTATION "default_memory", "384", &cfg, &err), 0);
	assert_int_equal(cfg.memory_mib, 384);
	assert_int_equal(
	    apply_one(all, KATA_HYPERVISOR_ANNOTATION "kernel_params", "foo=bar", &cfg, &err), 0);
	assert_string_equal(cfg.kernel_params, "conf=1 foo=bar");
	/* Annotations outside the hypervisor namespace are not ours to judge. */
	assert_int_equal(apply_one(0, "io.katacontainers.container.type", "pod", &cfg, &err), 0);

	/* Not enabled: refused, naming the annotation; enabling another does not help. */
	assert_int_equal(apply_one(CONFIG_ANNOTATION_DEFAULT_VCPUS,
				   KATA_HYPERVISOR_ANNOTATION "default_memory", "384", &cfg, &err),
			 -EPERM);
	assert_string_equal(err.msg,
			    "annotation io.katacontainers.config.hypervisor."
			    "default_memory is not enabled in the configuration "
			    "(hypervisor.qemu.enable_annotations of the built-in defaults)");
	assert_int_equal(
	    apply_one(0, KATA_HYPERVISOR_ANNOTATION "enable_iommu", "true", &cfg, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg,
			       "annotation io.katacontainers.config.hypervisor.enable_iommu is not "
			       "supported"));

	/* Bad values are named. */
	const char *bad[] = {"", "two", "0", "-1", "257", "3x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(
		    apply_one(all, KATA_HYPERVISOR_ANNOTATION "default_vcpus", bad[i], &cfg, &err),
		    -EINVAL);
		char want[256];
		snprintf(want, sizeof(want),
			 "annotation io.katacontainers.config.hypervisor.default_vcpus: \"%s\" is "
			 "not an integer in 1..256",
			 bad[i]);
		assert_string_equal(err.msg, want);
	}
	assert_int_equal(
	    apply_one(all, KATA_HYPERVISOR_ANNOTATION "default_memory", "32", &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, "annotation io.katacontainers.config.hypervisor."
				     "default_memory: \"32\" is not an integer in 64..1048576 MiB");
}

/* hypervisor.qemu.use_vsock (Kata 1.x's key) forces the agent channel; absent, it is detected. */
static void test_use_vsock(void **state)
{
	struct config_file f;
	struct kata_error err = {0};
	assert_int_equal(config_file_parse("c.json", "{}", &f, &err), 0);
	assert_false(f.set.use_vsock);
	assert_int_equal(config_file_parse("c.json",
					   "{\"hypervisor\": {\"qemu\": {\"use_vsock\": false}}}",
					   &f, &err),
			 0);
	assert_true(f.set.use_vsock);
	assert_false(f.use_vsock);
	assert_int_equal(config_file_parse("c.json",
					   "{\"hypervisor\": {\"qemu\": {\"use_vsock\": true}}}",
					   &f, &err),
			 0);
	assert_true(f.set.use_vsock && f.use_vsock);
	expect_error("{\"hypervisor\": {\"qemu\": {\"use_vsock\": \"yes\"}}}",
		     "configuration.json: hypervisor.qemu.use_vsock: expected true or false, got a "
		     "string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key),	 cmocka_unit_test(test_unknown_keys),
	    cmocka_unit_test(test_wrong_types),	 cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_search_order), cmocka_unit_test(test_env_wins_over_file),
	    cmocka_unit_test(test_annotations),	 cmocka_unit_test(test_use_vsock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
