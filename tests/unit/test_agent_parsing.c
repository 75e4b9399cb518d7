/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the guest agent's pure helpers: OCI mount options, the kernel command line,
 * executable lookup, path checks, namespace policy and the resynchronising frame reader.
 * The agent is not part of libkata, so its sources are compiled in here.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../agent/cmdline.c"
#include "../../agent/exec_lookup.c"
#include "../../agent/frame_reader.c"
#include "../../agent/in_root.c"
#include "../../agent/log.c"
#include "../../agent/mount_options.c"
#include "../../agent/namespaces.c"

static void test_mount_options_flags_and_data(void **state)
{
	char *opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k", "rprivate"};
	struct mount_options o;
	assert_int_equal(mount_options_parse(opts, 5, &o), 0);
	assert_int_equal(o.flags, MS_NOSUID | MS_STRICTATIME);
	assert_int_equal(o.propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(o.data, "mode=755,size=65536k");
	mount_options_clear(&o);
}

static void test_mount_options_clear_flags(void **state)
{
	char *opts[] = {"ro", "rw", "noexec", "exec", "nodev", "newinstance", "ptmxmode=0666"};
	struct mount_options o;
	assert_int_equal(mount_options_parse(opts, 7, &o), 0);
	assert_int_equal(o.flags, MS_NODEV);
	assert_string_equal(o.data, "newinstance,ptmxmode=0666");
	mount_options_clear(&o);
}

static void test_mount_options_bind_ro_needs_remount(void **state)
{
	char *opts[] = {"rbind", "ro", "nosuid"};
	struct mount_options o;
	assert_int_equal(mount_options_parse(opts, 3, &o), 0);
	assert_int_equal(o.flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
	assert_null(o.data);
	assert_true(mount_options_need_bind_remount(&o));
	char *plain[] = {"bind"};
	assert_int_equal(mount_options_parse(plain, 1, &o), 0);
	assert_false(mount_options_need_bind_remount(&o));
	char *empty[] = {""};
	assert_int_equal(mount_options_parse(empty, 1, &o), -EINVAL);
}

static void test_cmdline(void **state)
{
	struct agent_config cfg;
	char buf[16];
	assert_int_equal(cmdline_parse_config("console=ttyS0 agent.log=debug quiet", &cfg), 0);
	assert_true(cfg.debug);
	assert_int_equal(cfg.channel, CHANNEL_AUTO);
	assert_int_equal(cmdline_parse_config("agent.channel=vsock\n", &cfg), 0);
	assert_int_equal(cfg.channel, CHANNEL_VSOCK);
	assert_false(cfg.debug);
	assert_int_equal(cmdline_parse_config("agent.channel=carrier-pigeon", &cfg), -EINVAL);
	assert_int_equal(cmdline_get("a=1 a=2 ab=3", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "2");
	assert_int_equal(cmdline_get("agent.logx=1", "agent.log", buf, sizeof(buf)), 0);
}

static void test_exec_lookup(void **state)
{
	struct kata_error err = {0};
	char path[256];
	assert_int_equal(exec_lookup("sh", "/nonexistent:/bin", path, sizeof(path), &err), 0);
	assert_string_equal(path, "/bin/sh");
	assert_int_equal(exec_lookup("nosuchcmd", NULL, path, sizeof(path), &err), -ENOENT);
	assert_string_equal(err.msg, "exec: \"nosuchcmd\": executable file not found in $PATH");
	assert_int_equal(exec_exit_code(-ENOENT), 127);
	assert_int_equal(exec_lookup("/etc/passwd", NULL, path, sizeof(path), &err), -EACCES);
	assert_string_equal(err.msg, "exec: \"/etc/passwd\": permission denied");
	assert_int_equal(exec_exit_code(-EACCES), 126);
	assert_int_equal(exec_lookup("/", NULL, path, sizeof(path), &err), -EACCES);
	char *env[] = {"A=1", "PATH=/x", "PATH=/y"};
	assert_string_equal(env_lookup(env, 3, "PATH"), "/y");
	assert_null(env_lookup(env, 3, "PAT"));
}

static void test_path_has_dotdot(void **state)
{
	assert_true(path_has_dotdot("/a/../b"));
	assert_true(path_has_dotdot(".."));
	assert_true(path_has_dotdot("/a/.."));
	assert_false(path_has_dotdot("/a/..b/c"));
	assert_false(path_has_dotdot("/a/b.."));
	assert_false(path_has_dotdot("/dev/pts"));
}

static void test_namespaces(void **state)
{
	struct kata_error err = {0};
	Grpc__LinuxNamespace pid = GRPC__LINUX_NAMESPACE__INIT, net = GRPC__LINUX_NAMESPACE__INIT,
			     user = GRPC__LINUX_NAMESPACE__INIT;
	pid.type = "pid";
	net.type = "network";
	user.type = "user";
	Grpc__LinuxNamespace *list[] = {&pid, &net, &user};
	Grpc__Linux l = GRPC__LINUX__INIT;
	l.namespaces = list;
	l.n_namespaces = 2;
	assert_int_equal(namespaces_clone_flags(&l, &err), CLONE_NEWNS | CLONE_NEWPID);
	/* A user namespace needs both mappings: the agent writes them before the child goes on. */
	l.n_namespaces = 3;
	assert_int_equal(namespaces_clone_flags(&l, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "a user namespace needs linux.uidMappings and linux.gidMappings");
	Grpc__LinuxIDMapping map = GRPC__LINUX_IDMAPPING__INIT, *maps[] = {&map};
	l.uidmappings = l.gidmappings = maps;
	l.n_uidmappings = 1;
	assert_int_equal(namespaces_clone_flags(&l, &err), -EINVAL);
	l.n_gidmappings = 1;
	assert_int_equal(namespaces_clone_flags(&l, &err),
			 CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER);
	pid.path = "/proc/1/ns/pid";
	l.n_namespaces = 1;
	assert_int_equal(namespaces_clone_flags(&l, &err), -ENOTSUP);
	assert_int_equal(namespaces_clone_flags(NULL, &err), CLONE_NEWNS);
}

static void put_frame(int fd, uint32_t sid, uint8_t type, const char *payload)
{
	uint8_t hdr[TTRPC_HEADER_LEN];
	struct ttrpc_frame_header h = {(uint32_t)strlen(payload), sid, type, 0};
	ttrpc_header_pack(&h, hdr);
	assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(write(fd, payload, strlen(payload)), (ssize_t)strlen(payload));
}

static void test_frame_reader_resync(void **state)
{
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	/* A dead host's fragment, then a whole frame. */
	const uint8_t junk[] = {0, 0, 1, 0, 0, 0};
	assert_int_equal(write(p[1], junk, sizeof(junk)), sizeof(junk));
	put_frame(p[1], 1, TTRPC_TYPE_REQUEST, "hello");
	struct frame_reader r;
	frame_reader_init(&r);
	struct ttrpc_frame_header h;
	uint8_t *payload = NULL;
	assert_int_equal(frame_reader_read(&r, p[0], &h, &payload), 1);
	assert_int_equal(r.skipped, 6);
	assert_int_equal(h.stream_id, 1);
	assert_int_equal(h.length, 5);
	assert_memory_equal(payload, "hello", 5);
	free(payload);
	assert_int_equal(frame_reader_read(&r, p[0], &h, &payload), 0);
	close(p[1]);
	assert_int_equal(frame_reader_read(&r, p[0], &h, &payload), -EPIPE);
	close(p[0]);
	frame_reader_reset(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mount_options_flags_and_data),
	    cmocka_unit_test(test_mount_options_clear_flags),
	    cmocka_unit_test(test_mount_options_bind_ro_needs_remount),
	    cmocka_unit_test(test_cmdline),
	    cmocka_unit_test(test_exec_lookup),
	    cmocka_unit_test(test_path_has_dotdot),
	    cmocka_unit_test(test_namespaces),
	    cmocka_unit_test(test_frame_reader_resync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
