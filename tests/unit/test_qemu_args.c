/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QEMU driver without booting a guest: the command line for a given config (machine,
 * accelerator, kernel command line with tsc_early_khz, 9p share, agent channel, QMP), the
 * per-boot cache, the TSC rate, the accelerator probe guest (run under TCG when QEMU is
 * installed), and vm_start's errors when QEMU cannot start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostcache.h"
#include "qemu_priv.h"
#include "qemu_proc.h"
#include "sockutil.h"
#include "virtiofsd.h"

static const char *arg_after(const struct strv *argv, const char *flag)
{
	for (size_t i = 0; i + 1 < argv->n; i++)
		if (strcmp(argv->v[i], flag) == 0)
			return argv->v[i + 1];
	return NULL;
}

static bool has_pair(const struct strv *argv, const char *flag, const char *value)
{
	for (size_t i = 0; i + 1 < argv->n; i++)
		if (strcmp(argv->v[i], flag) == 0 && strcmp(argv->v[i + 1], value) == 0)
			return true;
	return false;
}

static bool has_arg(const struct strv *argv, const char *s)
{
	for (size_t i = 0; i < argv->n; i++)
		if (strcmp(argv->v[i], s) == 0)
			return true;
	return false;
}

static struct vm_config base_config(void)
{
	struct vm_config cfg = {
	    .kernel = "/k/vmlinux",
	    .initrd = "/k/initramfs.cpio",
	    .run_dir = "/run/kata/c1",
	    .shared_dir = "/run/kata/c1/shared",
	    .vcpus = 2,
	    .memory_mib = 512,
	    .channel = {.kind = CHANNEL_VIRTIO_SERIAL,
			.vhost_fd = -1,
			.socket_path = "/run/kata/c1/agent.sock"},
	};
	return cfg;
}

static struct qemu_launch base_launch(const struct vm_config *cfg, enum vm_accel accel)
{
	struct qemu_launch l = {
	    .accel = accel,
	    .tsc_khz = 2596140,
	    .qmp_path = "/run/kata/c1/qmp.sock",
	    .console_path = "/run/kata/c1/console.log",
	    .channel = &cfg->channel,
	};
	return l;
}

static void test_tcg_command_line(void **state)
{
	struct vm_config cfg = base_config();
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_TCG);
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);

	assert_string_equal(argv.v[0], QEMU_DEFAULT_PATH);
	assert_string_equal(arg_after(&argv, "-M"), "microvm,x-option-roms=off,memory-backend=mem");
	/* 9p: private memfd RAM (no huge pages), a balloon that takes back freed memory. */
	assert_true(has_pair(&argv, "-object", "memory-backend-memfd,id=mem,size=512M,share=off"));
	assert_true(has_pair(&argv, "-device", "virtio-balloon-device,free-page-reporting=on"));
	/* A booting VM translates more code than a template's clone: a larger TCG cache. */
	assert_string_equal(arg_after(&argv, "-accel"), "tcg,tb-size=32");
	assert_string_equal(arg_after(&argv, "-cpu"), "max");
	assert_string_equal(arg_after(&argv, "-m"), "512M");
	assert_string_equal(arg_after(&argv, "-smp"), "2");
	assert_string_equal(arg_after(&argv, "-kernel"), "/k/vmlinux");
	assert_string_equal(arg_after(&argv, "-initrd"), "/k/initramfs.cpio");
	assert_true(has_arg(&argv, "-nodefaults"));
	assert_true(has_arg(&argv, "-no-user-config"));
	assert_true(has_arg(&argv, "-no-reboot"));
	assert_true(has_pair(&argv, "-global", "virtio-mmio.force-legacy=false"));

	const char *append = arg_after(&argv, "-append");
	assert_non_null(strstr(append, "console=ttyS0 "));
	assert_non_null(strstr(append, " tsc_early_khz=2596140"));
	assert_non_null(strstr(append, " quiet"));
	assert_non_null(strstr(append, " panic=-1 "));
	assert_null(strstr(append, "agent.log"));

	assert_true(
	    has_pair(&argv, "-chardev", "file,id=console,path=/run/kata/c1/console.log,append=on"));
	assert_true(has_pair(&argv, "-serial", "chardev:console"));
	assert_true(has_pair(&argv, "-chardev",
			     "socket,id=qmp,path=/run/kata/c1/qmp.sock,server=on,wait=off"));
	assert_true(has_pair(&argv, "-mon", "chardev=qmp,mode=control"));
	assert_true(has_pair(&argv, "-fsdev",
			     "local,id=share,path=/run/kata/c1/shared,"
			     "security_model=none,multidevs=remap"));
	assert_true(
	    has_pair(&argv, "-device", "virtio-9p-device,fsdev=share,mount_tag=kataShared"));
	assert_true(has_pair(&argv, "-device", "virtio-serial-device"));
	assert_true(
	    has_pair(&argv, "-device", "virtserialport,chardev=agentchan,name=agent.channel.0"));
	assert_null(argv.v[argv.n]);
	strv_clear(&argv);
}

/* Each NIC is a tap fd QEMU inherits, as a virtio-net device with the veth's MAC. */
static void test_nics_command_line(void **state)
{
	struct vm_config cfg = base_config();
	struct vm_nic nics[] = {{.tap_fd = 7, .mac = {0x16, 0x8f, 0x5c, 0x86, 0x14, 0x0e}},
				{.tap_fd = 9, .mac = {0x02, 0, 0, 0, 0, 0xff}}};
	cfg.nics = nics;
	cfg.n_nics = 2;
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_TCG);
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);
	assert_true(has_pair(&argv, "-netdev", "tap,id=net0,fd=7"));
	assert_true(
	    has_pair(&argv, "-device", "virtio-net-device,netdev=net0,mac=16:8f:5c:86:14:0e"));
	assert_true(has_pair(&argv, "-netdev", "tap,id=net1,fd=9"));
	assert_true(
	    has_pair(&argv, "-device", "virtio-net-device,netdev=net1,mac=02:00:00:00:00:ff"));
	strv_clear(&argv);

	/* Without NICs there is no network device at all. */
	cfg.n_nics = 0;
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);
	assert_false(has_arg(&argv, "-netdev"));
	strv_clear(&argv);
}

/* VM templating: the template maps its RAM file shared, a clone private with -incoming;
 * neither has free page reporting (QEMU 7.2 would punch the reported page out of the file). */
static void test_template_command_lines(void **state)
{
	struct vm_config cfg = base_config();
	cfg.mem_file = "/run/kata-factory/template/memory";
	cfg.mem_file_shared = true;
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_TCG);
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);
	assert_true(has_pair(&argv, "-object",
			     "memory-backend-file,id=mem,size=512M,share=on,"
			     "mem-path=/run/kata-factory/template/memory"));
	assert_true(has_pair(&argv, "-device", "virtio-balloon-device"));
	assert_false(has_arg(&argv, "-incoming"));
	strv_clear(&argv);

	cfg.mem_file_shared = false;
	cfg.incoming_state = "/run/kata-factory/template/state";
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);
	assert_true(has_pair(&argv, "-object",
			     "memory-backend-file,id=mem,size=512M,share=off,"
			     "mem-path=/run/kata-factory/template/memory"));
	assert_true(has_pair(&argv, "-incoming", "defer"));
	assert_string_equal(arg_after(&argv, "-accel"), "tcg,tb-size=16");
	for (size_t i = 0; i < argv.n; i++)
		if (strstr(argv.v[i], "free-page-reporting"))
			fail_msg("expected no free page reporting on a clone, got [%s]", argv.v[i]);
	strv_clear(&argv);

	/* A comma in the path is doubled, as QEMU's option syntax wants. */
	cfg.mem_file = "/tmp/a,b/memory";
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);
	assert_true(has_pair(&argv, "-object",
			     "memory-backend-file,id=mem,size=512M,share=off,"
			     "mem-path=/tmp/a,,b/memory"));
	strv_clear(&argv);

	/* virtio-fs cannot be migrated: refused with a message. */
	cfg.shared_fs = VM_SHARED_FS_VIRTIO_FS;
	l.virtiofs_socket = "/run/kata/c1/vfs.sock";
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), -EINVAL);
	if (!strstr(err.msg, "a VM template needs 9p"))
		fail_msg("expected 'a VM template needs 9p', got [%s]", err.msg);
	strv_clear(&argv);
}

static void test_kvm_command_line(void **state)
{
	struct vm_config cfg = base_config();
	cfg.qemu_path = "/opt/qemu/bin/qemu-system-x86_64";
	cfg.vcpus = 0;
	cfg.memory_mib = 0;
	cfg.shared_dir = NULL;
	cfg.channel = (struct channel_config){.kind = CHANNEL_VSOCK, .guest_cid = 3, .vhost_fd = 9};
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_KVM);
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);

	assert_string_equal(argv.v[0], "/opt/qemu/bin/qemu-system-x86_64");
	assert_string_equal(arg_after(&argv, "-accel"), "kvm");
	assert_string_equal(arg_after(&argv, "-cpu"), "host");
	assert_string_equal(arg_after(&argv, "-m"), "128M");
	assert_true(has_pair(&argv, "-object", "memory-backend-memfd,id=mem,size=128M,share=off"));
	assert_string_equal(arg_after(&argv, "-smp"), "1");
	for (size_t i = 0; i < argv.n; i++)
		assert_null(strstr(argv.v[i], "tcg"));
	assert_null(arg_after(&argv, "-fsdev"));
	assert_true(
	    has_pair(&argv, "-device", "vhost-vsock-device,id=vsock0,guest-cid=3,vhostfd=9"));
	assert_non_null(strstr(arg_after(&argv, "-append"), "tsc_early_khz=2596140"));
	strv_clear(&argv);
}

static void test_debug_params_and_escaping(void **state)
{
	struct vm_config cfg = base_config();
	cfg.debug = true;
	cfg.kernel_params = "systemd.unit=x foo=bar";
	cfg.shared_dir = "/srv/a,b";
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_TCG);
	l.console_path = "/run/x,y/console.log";
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);

	const char *append = arg_after(&argv, "-append");
	assert_null(strstr(append, "quiet"));
	assert_non_null(strstr(append, " agent.log=debug"));
	const char *tail = " systemd.unit=x foo=bar";
	assert_string_equal(append + strlen(append) - strlen(tail), tail);
	assert_true(has_pair(&argv, "-fsdev",
			     "local,id=share,path=/srv/a,,b,security_model=none,multidevs=remap"));
	assert_true(
	    has_pair(&argv, "-chardev", "file,id=console,path=/run/x,,y/console.log,append=on"));
	strv_clear(&argv);

	/* No TSC rate known (never on x86): the parameter is left out rather than wrong. */
	char *line = qemu_kernel_cmdline(&cfg, 0);
	assert_null(strstr(line, "tsc_early_khz"));
	free(line);
}

static void test_virtio_fs_command_line(void **state)
{
	struct vm_config cfg = base_config();
	cfg.shared_fs = VM_SHARED_FS_VIRTIO_FS;
	cfg.agent_debug = true;
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_TCG);
	l.virtiofs_socket = "./vfs,sock";
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);

	/* Guest RAM is a shareable memfd that virtiofsd maps; the machine uses it as its RAM. */
	assert_string_equal(arg_after(&argv, "-M"), "microvm,x-option-roms=off,memory-backend=mem");
	assert_true(has_pair(&argv, "-object", "memory-backend-memfd,id=mem,size=512M,share=on"));
	assert_string_equal(arg_after(&argv, "-m"), "512M");
	assert_true(has_pair(&argv, "-chardev", "socket,id=vfs,path=./vfs,,sock"));
	assert_true(has_pair(&argv, "-device",
			     "vhost-user-fs-device,chardev=vfs,tag=kataShared,queue-size=1024"));
	assert_null(arg_after(&argv, "-fsdev"));
	for (size_t i = 0; i < argv.n; i++)
		assert_null(strstr(argv.v[i], "virtio-9p"));
	/* agent.enable_debug alone: the agent logs at debug level, the kernel stays quiet. */
	const char *append = arg_after(&argv, "-append");
	assert_non_null(strstr(append, " quiet"));
	assert_non_null(strstr(append, " agent.log=debug"));
	strv_clear(&argv);

	l.virtiofs_socket = NULL;
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), -EINVAL);
	assert_string_equal(err.msg, "building the QEMU command line: no virtiofsd socket");
	strv_clear(&argv);

	/* No share at all: neither filesystem device, and private RAM. */
	cfg.shared_dir = NULL;
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), 0);
	assert_string_equal(arg_after(&argv, "-M"), "microvm,x-option-roms=off,memory-backend=mem");
	assert_string_equal(arg_after(&argv, "-object"),
			    "memory-backend-memfd,id=mem,size=512M,share=off");
	assert_null(arg_after(&argv, "-fsdev"));
	strv_clear(&argv);

	assert_int_equal(virtiofsd_build_argv("/usr/lib/qemu/virtiofsd", "/run/k/c1/shared",
					      VM_VIRTIOFS_CACHE_AUTO, 5, &argv),
			 0);
	const char *want[] = {"/usr/lib/qemu/virtiofsd",
			      "--fd=5",
			      "-f",
			      "-o",
			      "source=/run/k/c1/shared",
			      "-o",
			      "cache=auto",
			      "-o",
			      "announce_submounts",
			      "--rlimit-nofile=0",
			      NULL};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		assert_string_equal(argv.v[i] ? argv.v[i] : "(null)", want[i] ? want[i] : "(null)");
	strv_clear(&argv);
	/* Kata's "never" is virtiofsd's "none". */
	assert_int_equal(virtiofsd_build_argv("/v", "/s", VM_VIRTIOFS_CACHE_NEVER, 5, &argv), 0);
	assert_string_equal(argv.v[6], "cache=none");
	strv_clear(&argv);
	assert_int_equal(virtiofsd_build_argv("/v", "/s", VM_VIRTIOFS_CACHE_ALWAYS, 5, &argv), 0);
	assert_string_equal(argv.v[6], "cache=always");
	strv_clear(&argv);
}

/* The real virtiofsd: it starts on our listening socket, serves a client, and is stopped. */
static void test_virtiofsd_start_stop(void **state)
{
	char dir[] = "/tmp/kata-test-vfs-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char share[128], sock[128], log[128];
	snprintf(share, sizeof(share), "%s/shared", dir);
	snprintf(sock, sizeof(sock), "%s/vfs.sock", dir);
	snprintf(log, sizeof(log), "%s/virtiofsd.log", dir);
	assert_int_equal(mkdir(share, 0700), 0);
	pid_t pid = -1;
	struct kata_error err = {0};

	assert_int_equal(virtiofsd_start("/nonexistent/virtiofsd", share, VM_VIRTIOFS_CACHE_AUTO,
					 sock, log, &pid, &err),
			 -ENOENT);
	assert_string_equal(err.msg, "virtio-fs: virtiofsd /nonexistent/virtiofsd: No such file "
				     "or directory");
	assert_int_equal(virtiofsd_start(VM_VIRTIOFSD_DEFAULT, "/nonexistent/share",
					 VM_VIRTIOFS_CACHE_AUTO, sock, log, &pid, &err),
			 -ENOENT);
	assert_string_equal(err.msg, "virtio-fs: shared directory /nonexistent/share: No such "
				     "file or directory");

	if (access(VM_VIRTIOFSD_DEFAULT, X_OK) == 0) {
		assert_int_equal(virtiofsd_start(VM_VIRTIOFSD_DEFAULT, share,
						 VM_VIRTIOFS_CACHE_AUTO, sock, log, &pid, &err),
				 0);
		assert_true(pid > 0);
		/* Still serving: it waits for its vhost-user client. */
		usleep(200 * 1000);
		assert_false(qemu_proc_exited(pid, NULL));
		virtiofsd_stop(pid, 200);
		assert_int_equal(kill(pid, 0), -1);
		assert_int_equal(errno, ESRCH);
		/* Reaped already: stopping again does nothing (and kills nobody). */
		virtiofsd_stop(pid, 200);
		unlink(log);
		unlink(sock);
	}
	rmdir(share);
	rmdir(dir);
}

static void test_hybrid_channel_rejected(void **state)
{
	struct vm_config cfg = base_config();
	cfg.channel.kind = CHANNEL_HYBRID_VSOCK;
	struct qemu_launch l = base_launch(&cfg, VM_ACCEL_TCG);
	struct strv argv = {0};
	struct kata_error err = {0};
	assert_int_equal(qemu_build_argv(&cfg, &l, &argv, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "hybrid-vsock"));
	strv_clear(&argv);
}

static void test_hostcache_and_tsc(void **state)
{
	char dir[] = "/tmp/kata-test-cache-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[128], buf[64];
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	struct kata_error err = {0};

	assert_int_equal(hostcache_read(sub, "x", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(hostcache_write(sub, "x", "hello", &err), 0);
	assert_int_equal(hostcache_read(sub, "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "hello");

	/* A value as long as an accelerator verdict with two long paths still reads back (a
	 * value too long for the reader would make every create probe again). */
	char longv[3000], back[3100];
	memset(longv, 'p', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(hostcache_write(sub, "x", longv, &err), 0);
	assert_int_equal(hostcache_read(sub, "x", back, sizeof(back)), 0);
	assert_string_equal(back, longv);

	/* Written during another boot: ignored. */
	char path[160];
	snprintf(path, sizeof(path), "%s/x", sub);
	FILE *f = fopen(path, "w");
	fprintf(f, "00000000-0000-0000-0000-000000000000\nold\n");
	fclose(f);
	assert_int_equal(hostcache_read(sub, "x", buf, sizeof(buf)), -ENOENT);

	unsigned long khz = 0, again = 0;
	assert_int_equal(host_tsc_khz(sub, &khz, &err), 0);
	assert_true(khz > 100000 && khz < 10000000); /* 100 MHz .. 10 GHz */
	assert_int_equal(hostcache_read(sub, "tsc_khz", buf, sizeof(buf)), 0);
	assert_int_equal(strtoul(buf, NULL, 10), khz);
	assert_int_equal(host_tsc_khz(sub, &again, &err), 0);
	assert_int_equal(again, khz);

	unlink(path);
	snprintf(path, sizeof(path), "%s/tsc_khz", sub);
	unlink(path);
	rmdir(sub);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_probe_guest_runs_under_tcg(void **state)
{
	if (access(QEMU_DEFAULT_PATH, X_OK) < 0)
		skip();
	char reason[256] = "";
	struct kata_error err = {0};
	/* The KVM probe's guest, run under TCG: proves the payload itself exits QEMU as expected.
	 */
	assert_int_equal(
	    accel_probe_vm(QEMU_DEFAULT_PATH, VM_ACCEL_TCG, reason, sizeof(reason), &err), 1);

	assert_int_equal(
	    accel_probe_vm("/nonexistent/qemu", VM_ACCEL_TCG, reason, sizeof(reason), &err),
	    -ENOENT);
	assert_non_null(strstr(err.msg, "executing /nonexistent/qemu"));
}

/* A stand-in QEMU for the kernel probe: prints `out` on stderr, then exits or hangs. */
static void write_probe_qemu(const char *path, const char *out, bool hang)
{
	FILE *f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\nprintf '%s' >&2\n%s\n", out, hang ? "exec sleep 60" : "exit 0");
	fclose(f);
	chmod(path, 0755);
}

static void test_kernel_probe(void **state)
{
	char dir[] = "/tmp/kata-test-probe-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char qemu[128], reason[256];
	struct kata_error err = {0};
	snprintf(qemu, sizeof(qemu), "%s/qemu", dir);

	/* A PVM-backed KVM: the kernel hits an emulation failure and QEMU stays paused. The
	 * probe must notice the message and not wait for its timeout. */
	write_probe_qemu(qemu, "KVM internal error. Suberror: 1\\nemulation failure\\nRAX=0\\n",
			 true);
	int64_t t0 = mono_ms();
	assert_int_equal(
	    accel_probe_kernel(qemu, "/vmlinux", VM_ACCEL_KVM, 0, reason, sizeof(reason), &err), 0);
	int64_t took = mono_ms() - t0;
	if (!strstr(reason, "KVM internal error. Suberror: 1") || took > 5000)
		fail_msg("expected the KVM failure, quickly; got [%s] after %lld ms", reason,
			 (long long)took);

	/* The kernel reached its root mount and panicked: QEMU exited 0 (-no-reboot). */
	write_probe_qemu(
	    qemu, "[    0.3] Kernel panic - not syncing: VFS: Unable to mount root fs\\n", false);
	assert_int_equal(
	    accel_probe_kernel(qemu, "/vmlinux", VM_ACCEL_KVM, 0, reason, sizeof(reason), &err), 1);

	/* QEMU exited without the kernel getting that far. */
	write_probe_qemu(qemu, "qemu: could not load kernel\\n", false);
	assert_int_equal(
	    accel_probe_kernel(qemu, "/vmlinux", VM_ACCEL_KVM, 0, reason, sizeof(reason), &err), 0);
	if (!strstr(reason, "did not boot to its root mount"))
		fail_msg("expected 'did not boot to its root mount', got [%s]", reason);
	unlink(qemu);
	rmdir(dir);

	/* The real kernel under TCG, when the build has one: proves the panic really ends QEMU. */
	const char *kernel = "build/guest/vmlinux";
	if (access(QEMU_DEFAULT_PATH, X_OK) < 0 || access(kernel, R_OK) < 0)
		return;
	unsigned long khz = 0;
	char cache[] = "/tmp/kata-test-probe-cache-XXXXXX";
	assert_non_null(mkdtemp(cache));
	assert_int_equal(host_tsc_khz(cache, &khz, &err), 0);
	int r = accel_probe_kernel(QEMU_DEFAULT_PATH, kernel, VM_ACCEL_TCG, khz, reason,
				   sizeof(reason), &err);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/tsc_khz", cache);
	unlink(path);
	rmdir(cache);
	if (r != 1)
		fail_msg("the guest kernel under TCG: expected 1, got %d (%s)", r, reason);
}

/* A fake QEMU that counts its runs in `count` and fails the tiny probe like a PVM host. */
static void write_counting_qemu(const char *path, const char *count)
{
	FILE *f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\necho run >>%s\necho 'error: failed to set MSR 0x10a' >&2\nexit 1\n",
		count);
	fclose(f);
	chmod(path, 0755);
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Each QEMU binary keeps its own verdict: switching between two does not probe again. */
static void test_accel_cache_per_qemu(void **state)
{
	char dir[] = "/tmp/kata-test-accel-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char qa[128], qb[128], ca[128], cb[128];
	snprintf(qa, sizeof(qa), "%s/qemu-a", dir);
	snprintf(qb, sizeof(qb), "%s/qemu-b", dir);
	snprintf(ca, sizeof(ca), "%s/runs-a", dir);
	snprintf(cb, sizeof(cb), "%s/runs-b", dir);
	write_counting_qemu(qa, ca);
	write_counting_qemu(qb, cb);
	struct kata_error err = {0};
	enum vm_accel accel;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vm_probe_accel(qa, NULL, dir, &accel, NULL, &err), 0);
		assert_int_equal(accel, VM_ACCEL_TCG);
		assert_int_equal(vm_probe_accel(qb, NULL, dir, &accel, NULL, &err), 0);
		assert_int_equal(accel, VM_ACCEL_TCG);
	}
	/* Without a usable /dev/kvm no QEMU runs at all; with one, each ran exactly once. */
	int expect = access("/dev/kvm", R_OK | W_OK) == 0 ? 1 : 0;
	if (count_lines(ca) != expect || count_lines(cb) != expect)
		fail_msg("expected %d probe run per QEMU, got %d and %d", expect, count_lines(ca),
			 count_lines(cb));
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A stand-in QEMU that fails the way a real one does on a host whose KVM refuses MSRs. */
static void write_fake_qemu(const char *path)
{
	FILE *f = fopen(path, "w");
	fprintf(f,
		"#!/bin/sh\necho 'qemu-system-x86_64: some warning' >&2\n"
		"echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2\nexit 1\n");
	fclose(f);
	chmod(path, 0755);
}

static void test_vm_start_errors(void **state)
{
	char dir[] = "/tmp/kata-test-vm-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char run[128], qemu[128], kernel[128];
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(qemu, sizeof(qemu), "%s/qemu", dir);
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", dir);
	close(open(kernel, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	write_fake_qemu(qemu);

	struct vm_config cfg = {
	    .qemu_path = qemu,
	    .kernel = kernel,
	    .initrd = kernel,
	    .run_dir = run,
	    .cache_dir = dir,
	    .accel = VM_ACCEL_TCG,
	    .channel = {.kind = CHANNEL_VIRTIO_SERIAL, .vhost_fd = -1},
	};
	snprintf(cfg.channel.socket_path, sizeof(cfg.channel.socket_path), "%s/agent.sock", run);
	struct vm *vm = NULL;
	struct kata_error err = {0};
	assert_int_equal(vm_start(&cfg, &vm, &err), -EIO);
	assert_null(vm);
	assert_string_equal(err.msg, "qemu exited with status 1: qemu-system-x86_64: some warning; "
				     "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69");

	cfg.kernel = "/nonexistent/vmlinux";
	assert_int_equal(vm_start(&cfg, &vm, &err), -ENOENT);
	assert_string_equal(
	    err.msg, "starting the VM: kernel /nonexistent/vmlinux: No such file or directory");

	cfg.kernel = kernel;
	cfg.qemu_path = "/nonexistent/qemu";
	assert_int_equal(vm_start(&cfg, &vm, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "executing /nonexistent/qemu"));

	char path[160];
	const char *files[] = {"run/qemu.log", "qemu", "vmlinux", "tsc_khz"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(run);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcg_command_line),
	    cmocka_unit_test(test_kvm_command_line),
	    cmocka_unit_test(test_template_command_lines),
	    cmocka_unit_test(test_nics_command_line),
	    cmocka_unit_test(test_debug_params_and_escaping),
	    cmocka_unit_test(test_virtio_fs_command_line),
	    cmocka_unit_test(test_virtiofsd_start_stop),
	    cmocka_unit_test(test_hybrid_channel_rejected),
	    cmocka_unit_test(test_hostcache_and_tsc),
	    cmocka_unit_test(test_probe_guest_runs_under_tcg),
	    cmocka_unit_test(test_kernel_probe),
	    cmocka_unit_test(test_accel_cache_per_qemu),
	    cmocka_unit_test(test_vm_start_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
