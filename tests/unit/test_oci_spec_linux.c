/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The linux and process sections of config.json as the agent receives them: seccomp, sysctl,
 * devices, resources, capabilities, rlimits, umask; errors that name the field; and the VM
 * sizing derived from the resource limits.
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
#include <unistd.h>

#include <cmocka.h>

#include "oci_spec.h"
#include "runtime_config.h"

static char bundle[] = "/tmp/kata-unit-linux.XXXXXX";

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

/* A minimal valid spec with PROCESS_EXTRA inside "process" and LINUX as the linux object. */
static struct oci_spec *parse(const char *process_extra, const char *linux_obj,
			      struct kata_error *err)
{
	char json[32768];
	snprintf(json, sizeof(json),
		 "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{"
		 "\"args\":[\"sh\"],\"cwd\":\"/\"%s%s},\"linux\":%s}",
		 *process_extra ? "," : "", process_extra, linux_obj);
	struct oci_spec *s = NULL;
	if (oci_spec_parse(json, bundle, &s, err) < 0)
		return NULL;
	return s;
}

static void expect_error(const char *process_extra, const char *linux_obj, const char *fragment)
{
	struct kata_error err = {0};
	struct oci_spec *s = parse(process_extra, linux_obj, &err);
	if (s || !strstr(err.msg, fragment)) {
		print_error("expected an error containing [%s], got %s [%s]\n", fragment,
			    s ? "success" : "error", err.msg);
		oci_spec_free(s);
		fail();
	}
}

static struct oci_spec *expect_ok(const char *process_extra, const char *linux_obj)
{
	struct kata_error err = {0};
	struct oci_spec *s = parse(process_extra, linux_obj, &err);
	if (!s) {
		print_error("expected success, got [%s]\n", err.msg);
		fail();
	}
	return s;
}

static void test_seccomp_translated(void **state)
{
	(void)state;
	struct oci_spec *s = expect_ok(
	    "", "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":38,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
		"\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
		"{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
		"\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_NE\"}]}]}}");
	Grpc__LinuxSeccomp *sc = s->spec->linux->seccomp;
	assert_non_null(sc);
	assert_string_equal(sc->defaultaction, "SCMP_ACT_ALLOW");
	assert_int_equal(sc->default_errno_ret_case,
			 GRPC__LINUX_SECCOMP__DEFAULT_ERRNO_RET_DEFAULT_ERRNO_RET);
	assert_int_equal(sc->default_errno_ret, 38);
	assert_int_equal(sc->n_architectures, 2);
	assert_int_equal(sc->n_flags, 1);
	assert_int_equal(sc->n_syscalls, 2);
	assert_int_equal(sc->syscalls[0]->n_names, 2);
	assert_string_equal(sc->syscalls[0]->names[1], "mkdirat");
	assert_int_equal(sc->syscalls[0]->errno_ret_case, GRPC__LINUX_SYSCALL__ERRNO_RET_ERRNORET);
	assert_int_equal(sc->syscalls[0]->errnoret, 1);
	/* No errnoRet: the agent's default (EPERM), not errno 0. */
	assert_int_equal(sc->syscalls[1]->errno_ret_case, GRPC__LINUX_SYSCALL__ERRNO_RET__NOT_SET);
	assert_int_equal(sc->syscalls[1]->n_args, 1);
	assert_int_equal(sc->syscalls[1]->args[0]->value, 8);
	assert_string_equal(sc->syscalls[1]->args[0]->op, "SCMP_CMP_NE");
	oci_spec_free(s);
}

static void test_seccomp_errors(void **state)
{
	(void)state;
	expect_error("", "{\"seccomp\":{}}", "linux.seccomp.defaultAction is required");
	expect_error("", "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_BOGUS\"}}",
		     "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_BOGUS\"");
	expect_error("", "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}}",
		     "SCMP_ACT_NOTIFY is not supported yet");
	expect_error("",
		     "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":["
		     "\"SCMP_ARCH_VAX\"]}}",
		     "linux.seccomp.architectures: unknown architecture \"SCMP_ARCH_VAX\"");
	expect_error("",
		     "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":["
		     "\"SECCOMP_FILTER_FLAG_BOGUS\"]}}",
		     "linux.seccomp.flags: \"SECCOMP_FILTER_FLAG_BOGUS\" is not supported yet");
	expect_error("",
		     "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		     "\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOPE\"}]}}",
		     "linux.seccomp.syscalls[].action: unknown seccomp action \"SCMP_ACT_NOPE\"");
	expect_error("",
		     "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		     "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
		     "\"value\":1,\"op\":\"SCMP_CMP_ALMOST\"}]}]}}",
		     "unknown seccomp operator \"SCMP_CMP_ALMOST\"");
	expect_error("",
		     "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		     "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,"
		     "\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}",
		     "index: 6 is not 0-5");
	expect_error("",
		     "{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
		     "\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}}",
		     "linux.seccomp.syscalls[].names must not be empty");
}

static void test_process_checks(void **state)
{
	(void)state;
	expect_error("\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_FLY\"]}", "{}",
		     "process.capabilities.bounding: unknown capability \"CAP_FLY\"");
	expect_error("\"capabilities\":{\"ambient\":[\"chown\"]}", "{}",
		     "process.capabilities.ambient: unknown capability \"chown\"");
	expect_error("\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"hard\":1,\"soft\":1}]", "{}",
		     "process.rlimits: unknown rlimit type \"RLIMIT_BOGUS\"");
	expect_error("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]", "{}",
		     "RLIMIT_NOFILE soft limit 2 is above the hard limit 1");
	expect_error("\"user\":{\"uid\":0,\"gid\":0,\"umask\":4096}", "{}", "process.user.umask");
	struct oci_spec *s = expect_ok("\"capabilities\":{\"bounding\":[\"CAP_CHOWN\","
				       "\"CAP_NET_BIND_SERVICE\"]},\"user\":{\"uid\":1,\"gid\":2,"
				       "\"umask\":18}",
				       "{}");
	assert_int_equal(s->spec->process->capabilities->n_bounding, 2);
	assert_int_equal(s->spec->process->user->umask_case, GRPC__USER__UMASK_UMASK);
	assert_int_equal(s->spec->process->user->umask, 022);
	oci_spec_free(s);
	s = expect_ok("\"user\":{\"uid\":1,\"gid\":2}", "{}");
	assert_int_equal(s->spec->process->user->umask_case, GRPC__USER__UMASK__NOT_SET);
	oci_spec_free(s);
}

static void test_sysctl_devices_namespaces(void **state)
{
	(void)state;
	struct oci_spec *s = expect_ok(
	    "", "{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.msgmax\":\"8192\"},"
		"\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
		"\"fileMode\":438,\"uid\":0,\"gid\":0}]}");
	Grpc__Linux *l = s->spec->linux;
	assert_int_equal(l->n_sysctl, 2);
	assert_string_equal(l->sysctl[0]->key, "net.ipv4.ip_forward");
	assert_string_equal(l->sysctl[0]->value, "1");
	assert_int_equal(l->n_devices, 1);
	assert_string_equal(l->devices[0]->path, "/dev/fuse");
	assert_int_equal(l->devices[0]->major, 10);
	assert_int_equal(l->devices[0]->minor, 229);
	assert_int_equal(l->devices[0]->filemode, 0666);
	oci_spec_free(s);
	expect_error("", "{\"sysctl\":{\"kernel.x\":1}}",
		     "linux.sysctl.kernel.x: expected a string");
	expect_error("", "{\"sysctl\":{\"../x\":\"1\"}}", "linux.sysctl: bad name \"../x\"");
	expect_error("", "{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\"}]}",
		     "linux.devices: /dev/x: type \"q\" is not c, u, b or p");
	expect_error("", "{\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\"}]}",
		     "linux.devices: path \"dev/x\" is not absolute");
	expect_error("", "{\"namespaces\":[{\"type\":\"time\"}]}",
		     "the time namespace is not supported yet");
	expect_error("", "{\"namespaces\":[{\"type\":\"ipc\",\"path\":\"/proc/1/ns/ipc\"}]}",
		     "joining the ipc namespace \"/proc/1/ns/ipc\" is not supported yet");
}

#define USERNS	     "\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"}]"
#define MAP(c, h, n) "{\"containerID\":" #c ",\"hostID\":" #h ",\"size\":" #n "}"

static void test_user_namespace(void **state)
{
	(void)state;
	struct oci_spec *s =
	    expect_ok("", "{" USERNS ",\"uidMappings\":[" MAP(0, 100000, 65536) "," MAP(
			      65536, 0, 1) "],\"gidMappings\":[" MAP(0, 200000, 1000) "]}");
	Grpc__Linux *l = s->spec->linux;
	assert_int_equal(l->n_namespaces, 2);
	assert_string_equal(l->namespaces[0]->type, "user");
	assert_int_equal(l->n_uidmappings, 2);
	assert_int_equal(l->uidmappings[0]->containerid, 0);
	assert_int_equal(l->uidmappings[0]->hostid, 100000);
	assert_int_equal(l->uidmappings[0]->size, 65536);
	assert_int_equal(l->uidmappings[1]->containerid, 65536);
	assert_int_equal(l->uidmappings[1]->hostid, 0);
	assert_int_equal(l->uidmappings[1]->size, 1);
	assert_int_equal(l->n_gidmappings, 1);
	assert_int_equal(l->gidmappings[0]->hostid, 200000);
	assert_int_equal(l->gidmappings[0]->size, 1000);
	oci_spec_free(s);

	/* As runc: each half without the other is refused, naming the field. */
	expect_error("", "{" USERNS "}",
		     "linux.uidMappings: user namespaces enabled, but no uid mappings found");
	expect_error("", "{" USERNS ",\"uidMappings\":[" MAP(0, 1, 1) "]}",
		     "linux.gidMappings: user namespaces enabled, but no gid mappings found");
	expect_error("", "{" USERNS ",\"uidMappings\":[],\"gidMappings\":[" MAP(0, 1, 1) "]}",
		     "linux.uidMappings: user namespaces enabled, but no uid mappings found");
	expect_error("", "{\"uidMappings\":[" MAP(0, 0, 1) "]}",
		     "linux.uidMappings: user mappings found, but no user namespace");
	expect_error("", "{\"gidMappings\":[" MAP(0, 0, 1) "]}",
		     "linux.gidMappings: user mappings found, but no user namespace");

	/* Each field is required, a non-negative integer below 2^32; size is above 0. */
	expect_error("", "{" USERNS ",\"uidMappings\":[{\"containerID\":0,\"size\":1}]}",
		     "linux.uidMappings[].hostID is required");
	expect_error("", "{" USERNS ",\"uidMappings\":[{\"hostID\":0,\"size\":1}]}",
		     "linux.uidMappings[].containerID is required");
	expect_error("", "{" USERNS ",\"gidMappings\":[{\"hostID\":0,\"containerID\":0}]}",
		     "linux.gidMappings[].size is required");
	expect_error("", "{" USERNS ",\"uidMappings\":[" MAP(-1, 0, 1) "]}",
		     "linux.uidMappings[].containerID: expected a non-negative integer");
	expect_error("", "{" USERNS ",\"uidMappings\":[" MAP(0, 4294967296, 1) "]}",
		     "linux.uidMappings[].hostID: expected an integer below 2^32");
	expect_error("",
		     "{" USERNS ",\"uidMappings\":["
		     "{\"containerID\":0,\"hostID\":\"0\",\"size\":1}"
		     "]}",
		     "linux.uidMappings[].hostID: expected a non-negative integer");
	expect_error("", "{" USERNS ",\"uidMappings\":[" MAP(0, 0, 0) "]}",
		     "linux.uidMappings[].size must be above 0");
	expect_error("", "{" USERNS ",\"uidMappings\":{}}", "linux.uidMappings: expected an array");
	expect_error("", "{" USERNS ",\"gidMappings\":[7]}",
		     "linux.gidMappings[]: expected an object");

	/* The kernel takes at most 340 lines in uid_map. */
	char json[20000];
	size_t n = (size_t)snprintf(json, sizeof(json), "{" USERNS ",\"gidMappings\":[");
	for (int i = 0; i < 341; i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
				      "%s{\"containerID\":%d,\"hostID\":%d,\"size\":1}",
				      i ? "," : "", i, i);
	snprintf(json + n, sizeof(json) - n, "]}");
	expect_error("", json, "linux.gidMappings: 341 entries, the kernel takes at most 340");
}

static void test_resources(void **state)
{
	(void)state;
	struct oci_spec *s = expect_ok(
	    "", "{\"resources\":{\"memory\":{\"limit\":67108864,\"reservation\":1048576,"
		"\"swap\":134217728},\"cpu\":{\"shares\":512,\"quota\":150000,\"period\":100000,"
		"\"cpus\":\"0\",\"mems\":\"0\"},\"pids\":{\"limit\":64},\"blockIO\":{\"weight\":"
		"500},\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
		"\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}}");
	Grpc__LinuxResources *r = s->spec->linux->resources;
	assert_non_null(r);
	assert_int_equal(r->memory->limit, 67108864);
	assert_int_equal(r->memory->reservation, 1048576);
	assert_int_equal(r->memory->swap, 134217728);
	assert_int_equal(r->cpu->shares, 512);
	assert_int_equal(r->cpu->quota, 150000);
	assert_int_equal(r->cpu->period, 100000);
	assert_string_equal(r->cpu->cpus, "0");
	assert_int_equal(r->pids->limit, 64);
	assert_int_equal(r->blockio->weight, 500);
	assert_int_equal(r->n_devices, 2);
	assert_false(r->devices[0]->allow);
	assert_int_equal(r->devices[0]->major, -1); /* absent: any */
	assert_int_equal(r->devices[1]->minor, 3);
	oci_spec_free(s);

	expect_error("", "{\"resources\":{\"memory\":{\"kernel\":1}}}",
		     "linux.resources.memory.kernel is not supported yet");
	expect_error("", "{\"resources\":{\"memory\":{\"swappiness\":10}}}",
		     "linux.resources.memory.swappiness is not supported yet");
	expect_error("", "{\"resources\":{\"cpu\":{\"realtimeRuntime\":1}}}",
		     "linux.resources.cpu.realtimeRuntime/realtimePeriod is not supported yet");
	expect_error("",
		     "{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}}",
		     "linux.resources.hugepageLimits is not supported yet");
	expect_error("",
		     "{\"resources\":{\"blockIO\":{\"weightDevice\":[{\"major\":8,"
		     "\"minor\":0,\"weight\":10}]}}}",
		     "linux.resources.blockIO.weightDevice is not supported yet");
	expect_error("", "{\"resources\":{\"blockIO\":{\"weight\":5}}}",
		     "linux.resources.blockIO.weight: 5 is not 10-1000");
	expect_error("", "{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}}",
		     "linux.resources.devices[].type: \"x\" is not a, b or c");
	expect_error("", "{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}",
		     "linux.resources.devices[].access: \"rwx\" is not made of r, w, m");
	expect_error("", "{\"resources\":{\"pids\":{\"limit\":\"many\"}}}",
		     "linux.resources.pids.limit: expected an integer");
	/* Empty sections and nulls ask for nothing. */
	s = expect_ok("",
		      "{\"resources\":{\"hugepageLimits\":[],\"network\":null,\"devices\":[]}}");
	oci_spec_free(s);
}

static void test_vm_sizing(void **state)
{
	(void)state;
	struct runtime_config cfg = {.vcpus = 1, .memory_mib = 256};
	runtime_config_size_for(&cfg, NULL, 8);
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.memory_mib, 256);

	Grpc__LinuxMemory mem = GRPC__LINUX_MEMORY__INIT;
	Grpc__LinuxCPU cpu = GRPC__LINUX_CPU__INIT;
	Grpc__LinuxResources r = GRPC__LINUX_RESOURCES__INIT;
	r.memory = &mem;
	r.cpu = &cpu;
	mem.limit = (64 << 20) + 1; /* rounds up to 65 MiB */
	cpu.quota = 150000;
	cpu.period = 100000; /* 1.5 CPUs -> 2 more vCPUs */
	runtime_config_size_for(&cfg, &r, 8);
	assert_int_equal(cfg.memory_mib, 256 + 65);
	assert_int_equal(cfg.vcpus, 3);

	/* Capped at the host's CPUs; no quota (-1) or no limit adds nothing. */
	cfg = (struct runtime_config){.vcpus = 1, .memory_mib = 256};
	cpu.quota = 800000;
	runtime_config_size_for(&cfg, &r, 2);
	assert_int_equal(cfg.vcpus, 2);
	cfg = (struct runtime_config){.vcpus = 1, .memory_mib = 256};
	cpu.quota = -1;
	mem.limit = -1;
	runtime_config_size_for(&cfg, &r, 2);
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.memory_mib, 256);
	/* A quota without a period is not a CPU count. */
	cpu.quota = 50000;
	cpu.period = 0;
	runtime_config_size_for(&cfg, &r, 2);
	assert_int_equal(cfg.vcpus, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seccomp_translated),
	    cmocka_unit_test(test_seccomp_errors),
	    cmocka_unit_test(test_process_checks),
	    cmocka_unit_test(test_sysctl_devices_namespaces),
	    cmocka_unit_test(test_user_namespace),
	    cmocka_unit_test(test_resources),
	    cmocka_unit_test(test_vm_sizing),
	};
	return cmocka_run_group_tests_name("oci_spec_linux", tests, setup_bundle, teardown_bundle);
}
