/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent-ctl: a host-side debug client for kata-agent. It connects to the unix socket QEMU
 * exposes for the agent's virtio-serial port and runs one scripted sequence:
 *   Check, CreateSandbox (9p storage), CreateContainer (args from argv), StartContainer,
 *   [ExecProcess], ReadStdout/ReadStderr/WaitProcess concurrently, RemoveContainer,
 *   DestroySandbox.
 * The container's stdout and stderr are copied to ours; the exit code is the container's.
 *
 * Build (after `make build/kata-agent`, which builds the objects used here):
 *   gcc -std=gnu11 -D_GNU_SOURCE -Ulinux -Wall -Wextra -Werror -O2 -Icommon \
 *       -Ilibkata/include -Ibuild/gen/protos -o build/agent-ctl tests/tools/agent-ctl.c \
 *       build/obj/common/ttrpc.o build/obj/gen/protos/[a-z]*.o \
 *       build/obj/gen/protos/google/protobuf/empty.pb-c.o -lprotobuf-c
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "health.pb-c.h"
#include "oci.pb-c.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

#define AGENT	     "grpc.AgentService"
#define SHARED_MOUNT "/run/kata-containers/shared/containers"

struct opts {
	const char *socket;
	const char *id;
	bool tty;
	bool readonly;
	bool no_destroy;
	bool skip_sandbox;
	bool expect_create_fail;
	bool checks;  /* negative checks: unknown methods, double start, repeated wait, ... */
	bool no_wait; /* remove (or destroy) the container while it runs */
	bool no_remove;
	bool caps;		  /* docker's default capability set */
	bool nnp;		  /* no_new_privileges */
	const char *seccomp_deny; /* one syscall denied with EPERM, others allowed */
	const char *user;	  /* UID:GID */
	const char *rlimit;	  /* RLIMIT_X=soft:hard */
	int kill_after_ms;	  /* SignalProcess(SIGKILL) after this long, -1 = never */
	int kill_signal;
	const char *stdin_data;
	const char *hostname;
	char **exec_args; /* ExecProcess after start, NULL = none */
	int timeout_ms;
	char **args;
	int nargs;
};

struct client {
	int fd;
	uint32_t next_sid;
	struct ttrpc_reader r;
};

static double t0;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "agent-ctl [%7.3f] ", now() - t0);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "agent-ctl: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(125);
}

static int connect_socket(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	double deadline = now() + timeout_ms / 1000.0;
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (now() > deadline)
			die("connect %s: %s", path, strerror(errno));
		usleep(2000);
	}
}

static uint32_t send_req(struct client *c, const char *service, const char *method,
			 const ProtobufCMessage *msg)
{
	uint32_t sid = c->next_sid;
	c->next_sid += 2; /* client-initiated ttrpc streams are odd */
	int rc = ttrpc_send_request(c->fd, sid, service, method, msg, 0);
	if (rc < 0)
		die("send %s: %s", method, strerror(-rc));
	return sid;
}

/* Waits for the next response frame; returns its stream id. */
static uint32_t recv_resp(struct client *c, Ttrpc__Response **ret, int timeout_ms)
{
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int n = poll(&p, 1, timeout_ms);
		if (n == 0)
			die("timed out waiting for the agent");
		if (n < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		struct ttrpc_frame_header h;
		uint8_t *payload = NULL;
		int rc = ttrpc_reader_read(&c->r, c->fd, &h, &payload);
		if (rc == 0)
			continue;
		if (rc < 0)
			die("read: %s",
			    rc == -EPIPE ? "the agent closed the channel" : strerror(-rc));
		if (h.type != TTRPC_TYPE_RESPONSE)
			die("unexpected frame type %u", h.type);
		*ret = ttrpc__response__unpack(NULL, h.length, payload);
		free(payload);
		if (!*ret)
			die("cannot decode a response");
		return h.stream_id;
	}
}

/* One request, one response; returns the status code (message in *ret_msg if not OK). */
static int call(struct client *c, const char *service, const char *method,
		const ProtobufCMessage *msg, Ttrpc__Response **ret, int timeout_ms)
{
	uint32_t sid = send_req(c, service, method, msg);
	Ttrpc__Response *resp;
	if (recv_resp(c, &resp, timeout_ms) != sid)
		die("%s: reply on an unexpected stream", method);
	int code = resp->status ? resp->status->code : 0;
	if (code)
		note("%s -> error %d: %s", method, code, resp->status->message);
	else
		note("%s -> ok", method);
	if (ret)
		*ret = resp;
	else
		ttrpc__response__free_unpacked(resp, NULL);
	return code;
}

static Grpc__Mount *mnt(const char *dest, const char *type, const char *src, const char *opts)
{
	Grpc__Mount *m = calloc(1, sizeof(*m));
	grpc__mount__init(m);
	m->destination = (char *)dest;
	m->type = (char *)type;
	m->source = (char *)src;
	char *copy = strdup(opts), *save = NULL;
	m->options = calloc(16, sizeof(char *));
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		m->options[m->n_options++] = t;
	return m;
}

static void add_security(const struct opts *o, Grpc__Process *proc, Grpc__Linux *lnx)
{
	static char *dflt[] = {
	    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",	       "CAP_FOWNER",
	    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",	       "CAP_SETUID",
	    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	    "CAP_KILL",	   "CAP_AUDIT_WRITE"};
	static Grpc__LinuxCapabilities caps = GRPC__LINUX_CAPABILITIES__INIT;
	static Grpc__LinuxSeccomp sc = GRPC__LINUX_SECCOMP__INIT;
	static Grpc__LinuxSyscall rule = GRPC__LINUX_SYSCALL__INIT;
	static Grpc__LinuxSyscall *rules[] = {&rule};
	static char *arches[] = {"SCMP_ARCH_X86_64"};
	static char *names[1];
	static Grpc__POSIXRlimit rl = GRPC__POSIXRLIMIT__INIT;
	static Grpc__POSIXRlimit *rls[] = {&rl};
	static char rltype[64];

	proc->nonewprivileges = o->nnp;
	if (o->caps) {
		caps.bounding = caps.effective = caps.permitted = dflt;
		caps.n_bounding = caps.n_effective = caps.n_permitted = 14;
		proc->capabilities = &caps;
	}
	if (o->seccomp_deny) {
		names[0] = (char *)o->seccomp_deny;
		rule.names = names;
		rule.n_names = 1;
		rule.action = "SCMP_ACT_ERRNO";
		sc.defaultaction = "SCMP_ACT_ALLOW";
		sc.architectures = arches;
		sc.n_architectures = 1;
		sc.syscalls = rules;
		sc.n_syscalls = 1;
		lnx->seccomp = &sc;
	}
	if (o->user) {
		unsigned uid = 0, gid = 0;
		sscanf(o->user, "%u:%u", &uid, &gid);
		proc->user->uid = uid;
		proc->user->gid = gid;
	}
	if (o->rlimit) {
		unsigned long long soft = 0, hard = 0;
		sscanf(o->rlimit, "%63[^=]=%llu:%llu", rltype, &soft, &hard);
		rl.type = rltype;
		rl.soft = soft;
		rl.hard = hard;
		proc->rlimits = rls;
		proc->n_rlimits = 1;
	}
}

static Grpc__Spec *build_spec(const struct opts *o)
{
	static Grpc__Spec spec = GRPC__SPEC__INIT;
	static Grpc__Process proc = GRPC__PROCESS__INIT;
	static Grpc__Root root = GRPC__ROOT__INIT;
	static Grpc__User user = GRPC__USER__INIT;
	static Grpc__Box box = GRPC__BOX__INIT;
	static Grpc__Linux lnx = GRPC__LINUX__INIT;
	static char rootfs[512];
	static char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			      "TERM=xterm"};
	static char *masked[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"};
	static char *ro[] = {"/proc/sys", "/proc/sysrq-trigger"};
	static const char *ns_types[] = {"pid", "mount", "uts", "ipc", "network"};
	static Grpc__LinuxNamespace ns[5];
	static Grpc__LinuxNamespace *nsp[5];
	static Grpc__Mount *mounts[6];

	snprintf(rootfs, sizeof(rootfs), SHARED_MOUNT "/%s/rootfs", o->id);
	root.path = rootfs;
	root.readonly = o->readonly;
	proc.terminal = o->tty;
	box.height = 24;
	box.width = 80;
	proc.consolesize = &box;
	proc.user = &user;
	proc.args = o->args;
	proc.n_args = (size_t)o->nargs;
	proc.env = env;
	proc.n_env = 2;
	proc.cwd = "/";
	spec.version = "1.0.2";
	spec.process = &proc;
	spec.root = &root;
	spec.hostname = (char *)(o->hostname ? o->hostname : "");
	mounts[0] = mnt("/proc", "proc", "proc", "nosuid,noexec,nodev");
	mounts[1] = mnt("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
	mounts[2] = mnt("/dev/pts", "devpts", "devpts",
			"nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
	mounts[3] = mnt("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
	mounts[4] = mnt("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
	mounts[5] = mnt("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
	spec.mounts = mounts;
	spec.n_mounts = 6;
	for (int i = 0; i < 5; i++) {
		grpc__linux_namespace__init(&ns[i]);
		ns[i].type = (char *)ns_types[i];
		nsp[i] = &ns[i];
	}
	lnx.namespaces = nsp;
	lnx.n_namespaces = 5;
	lnx.maskedpaths = masked;
	lnx.n_maskedpaths = 4;
	lnx.readonlypaths = ro;
	lnx.n_readonlypaths = 2;
	spec.linux = &lnx;
	add_security(o, &proc, &lnx);
	return &spec;
}

/* The concurrent phase: stdout, stderr and the exit status of one process. */
static int collect(struct client *c, const struct opts *o, const char *exec_id)
{
	Grpc__ReadStreamRequest rd = GRPC__READ_STREAM_REQUEST__INIT;
	rd.container_id = (char *)o->id;
	rd.exec_id = (char *)exec_id;
	rd.len = 65536;
	Grpc__WaitProcessRequest wr = GRPC__WAIT_PROCESS_REQUEST__INIT;
	wr.container_id = (char *)o->id;
	wr.exec_id = (char *)exec_id;

	uint32_t out_sid = send_req(c, AGENT, "ReadStdout", &rd.base);
	uint32_t err_sid = send_req(c, AGENT, "ReadStderr", &rd.base);
	uint32_t wait_sid = send_req(c, AGENT, "WaitProcess", &wr.base);
	uint32_t in_sid = 0, close_sid = 0, kill_sid = 0;
	if (o->stdin_data) {
		Grpc__WriteStreamRequest w = GRPC__WRITE_STREAM_REQUEST__INIT;
		w.container_id = (char *)o->id;
		w.exec_id = (char *)exec_id;
		w.data.data = (uint8_t *)o->stdin_data;
		w.data.len = strlen(o->stdin_data);
		in_sid = send_req(c, AGENT, "WriteStdin", &w.base);
		Grpc__CloseStdinRequest cl = GRPC__CLOSE_STDIN_REQUEST__INIT;
		cl.container_id = (char *)o->id;
		cl.exec_id = (char *)exec_id;
		close_sid = send_req(c, AGENT, "CloseStdin", &cl.base);
	}
	double kill_at = o->kill_after_ms >= 0 ? now() + o->kill_after_ms / 1000.0 : 0;
	bool out_eof = false, err_eof = false, waited = false;
	int status = -1;
	while (!(out_eof && err_eof && waited)) {
		int timeout = o->timeout_ms;
		if (kill_at) {
			double left = kill_at - now();
			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			if (poll(&p, 1, timeout) == 0) {
				Grpc__SignalProcessRequest s = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
				s.container_id = (char *)o->id;
				s.exec_id = (char *)exec_id;
				s.signal = (uint32_t)o->kill_signal;
				kill_sid = send_req(c, AGENT, "SignalProcess", &s.base);
				note("SignalProcess(%d) sent", o->kill_signal);
				kill_at = 0;
				continue;
			}
		}
		Ttrpc__Response *r;
		uint32_t sid = recv_resp(c, &r, o->timeout_ms);
		int code = r->status ? r->status->code : 0;
		if (code) {
			note("stream %u -> error %d: %s", sid, code, r->status->message);
			if (sid == out_sid || sid == err_sid || sid == wait_sid)
				exit(125);
		} else if (sid == out_sid || sid == err_sid) {
			Grpc__ReadStreamResponse *rs = grpc__read_stream_response__unpack(
			    NULL, r->payload.len, r->payload.data);
			if (!rs)
				die("bad ReadStreamResponse");
			if (rs->data.len == 0) {
				note("%s EOF", sid == out_sid ? "stdout" : "stderr");
				*(sid == out_sid ? &out_eof : &err_eof) = true;
			} else {
				fwrite(rs->data.data, 1, rs->data.len,
				       sid == out_sid ? stdout : stderr);
				fflush(sid == out_sid ? stdout : stderr);
				uint32_t again =
				    send_req(c, AGENT, sid == out_sid ? "ReadStdout" : "ReadStderr",
					     &rd.base);
				*(sid == out_sid ? &out_sid : &err_sid) = again;
			}
			grpc__read_stream_response__free_unpacked(rs, NULL);
		} else if (sid == wait_sid) {
			Grpc__WaitProcessResponse *w = grpc__wait_process_response__unpack(
			    NULL, r->payload.len, r->payload.data);
			status = w ? w->status : -1;
			note("WaitProcess -> status %d", status);
			waited = true;
			if (w)
				grpc__wait_process_response__free_unpacked(w, NULL);
		} else if (sid == in_sid) {
			note("WriteStdin -> ok");
		} else if (sid == close_sid) {
			note("CloseStdin -> ok");
		} else if (sid == kill_sid) {
			note("SignalProcess -> ok");
		}
		ttrpc__response__free_unpacked(r, NULL);
	}
	return status;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: agent-ctl [--id ID] [--tty] [--readonly] [--hostname H] [--stdin DATA]\n"
		"                 [--kill-after MS] [--signal N] [--exec 'ARG ...']\n"
		"                 [--expect-create-fail] [--no-destroy] [--timeout MS]\n"
		"                 [--checks] [--no-wait] [--no-remove] [--skip-sandbox]\n"
		"                 [--caps] [--nnp] [--seccomp-deny SYSCALL] [--user UID:GID]\n"
		"                 [--rlimit RLIMIT_X=SOFT:HARD]\n"
		"                 SOCKET -- ARGS...\n");
	exit(125);
}

static char **split_words(const char *s)
{
	char **v = calloc(64, sizeof(char *));
	char *copy = strdup(s), *save = NULL;
	int n = 0;
	for (char *t = strtok_r(copy, " ", &save); t && n < 63; t = strtok_r(NULL, " ", &save))
		v[n++] = t;
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"id", required_argument, 0, 'i'},
	    {"tty", no_argument, 0, 't'},
	    {"readonly", no_argument, 0, 'r'},
	    {"hostname", required_argument, 0, 'H'},
	    {"stdin", required_argument, 0, 's'},
	    {"kill-after", required_argument, 0, 'k'},
	    {"signal", required_argument, 0, 'S'},
	    {"exec", required_argument, 0, 'e'},
	    {"expect-create-fail", no_argument, 0, 'f'},
	    {"no-destroy", no_argument, 0, 'n'},
	    {"timeout", required_argument, 0, 'T'},
	    {"checks", no_argument, 0, 'c'},
	    {"no-wait", no_argument, 0, 'W'},
	    {"no-remove", no_argument, 0, 'R'},
	    {"skip-sandbox", no_argument, 0, 'K'},
	    {"caps", no_argument, 0, 'C'},
	    {"nnp", no_argument, 0, 'N'},
	    {"seccomp-deny", required_argument, 0, 'D'},
	    {"user", required_argument, 0, 'U'},
	    {"rlimit", required_argument, 0, 'L'},
	    {0, 0, 0, 0},
	};
	struct opts o = {.id = "c1", .kill_after_ms = -1, .kill_signal = 9, .timeout_ms = 60000};
	int ch;
	t0 = now();
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			o.id = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case 'r':
			o.readonly = true;
			break;
		case 'H':
			o.hostname = optarg;
			break;
		case 's':
			o.stdin_data = optarg;
			break;
		case 'k':
			o.kill_after_ms = atoi(optarg);
			break;
		case 'S':
			o.kill_signal = atoi(optarg);
			break;
		case 'e':
			o.exec_args = split_words(optarg);
			break;
		case 'f':
			o.expect_create_fail = true;
			break;
		case 'n':
			o.no_destroy = true;
			break;
		case 'T':
			o.timeout_ms = atoi(optarg);
			break;
		case 'c':
			o.checks = true;
			break;
		case 'W':
			o.no_wait = true;
			break;
		case 'R':
			o.no_remove = true;
			break;
		case 'K':
			o.skip_sandbox = true;
			break;
		case 'C':
			o.caps = true;
			break;
		case 'N':
			o.nnp = true;
			break;
		case 'D':
			o.seccomp_deny = optarg;
			break;
		case 'U':
			o.user = optarg;
			break;
		case 'L':
			o.rlimit = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	o.socket = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	o.args = argv + optind;
	o.nargs = argc - optind;
	if (o.nargs == 0)
		usage();

	struct client c = {.fd = connect_socket(o.socket, o.timeout_ms), .next_sid = 1};
	ttrpc_reader_init(&c.r);
	note("connected to %s", o.socket);

	Grpc__CheckRequest chk = GRPC__CHECK_REQUEST__INIT;
	if (call(&c, "grpc.Health", "Check", &chk.base, NULL, o.timeout_ms))
		return 125;
	Ttrpc__Response *r;
	if (call(&c, "grpc.Health", "Version", &chk.base, &r, o.timeout_ms) == 0) {
		Grpc__VersionCheckResponse *v =
		    grpc__version_check_response__unpack(NULL, r->payload.len, r->payload.data);
		if (v)
			note("agent version %s (%s)", v->agent_version, v->grpc_version);
	}

	if (o.checks) {
		call(&c, "grpc.AgentService", "NoSuchMethod", &chk.base, NULL, o.timeout_ms);
		call(&c, "no.Such", "Service", &chk.base, NULL, o.timeout_ms);
		Grpc__SignalProcessRequest s = GRPC__SIGNAL_PROCESS_REQUEST__INIT;
		s.container_id = "nope";
		s.signal = 9;
		call(&c, AGENT, "SignalProcess", &s.base, NULL, o.timeout_ms);
	}

	Grpc__Storage st = GRPC__STORAGE__INIT;
	char *st_opts[] = {"trans=virtio", "version=9p2000.L", "msize=262144", "cache=none"};
	Grpc__Storage *stp[] = {&st};
	st.driver = "9p";
	st.source = "kataShared";
	st.fstype = "9p";
	st.options = st_opts;
	st.n_options = 4;
	st.mount_point = SHARED_MOUNT;
	Grpc__CreateSandboxRequest sb = GRPC__CREATE_SANDBOX_REQUEST__INIT;
	sb.hostname = "kata-guest";
	sb.storages = stp;
	sb.n_storages = 1;
	sb.sandbox_id = (char *)o.id;
	if (!o.skip_sandbox && call(&c, AGENT, "CreateSandbox", &sb.base, NULL, o.timeout_ms))
		return 125;

	Grpc__CreateContainerRequest cc = GRPC__CREATE_CONTAINER_REQUEST__INIT;
	cc.container_id = (char *)o.id;
	cc.exec_id = (char *)o.id;
	cc.oci = build_spec(&o);
	int status = 125;
	int code = call(&c, AGENT, "CreateContainer", &cc.base, &r, o.timeout_ms);
	if (code) {
		printf("create error: %s\n", r->status->message);
		status = o.expect_create_fail ? 0 : 125;
	} else if (o.expect_create_fail) {
		note("CreateContainer unexpectedly succeeded");
	} else {
		Grpc__StartContainerRequest sc = GRPC__START_CONTAINER_REQUEST__INIT;
		sc.container_id = (char *)o.id;
		if (call(&c, AGENT, "StartContainer", &sc.base, NULL, o.timeout_ms) == 0 &&
		    !o.no_wait) {
			const char *eid = o.id;
			if (o.checks) {
				call(&c, AGENT, "StartContainer", &sc.base, NULL, o.timeout_ms);
				Grpc__TtyWinResizeRequest tw = GRPC__TTY_WIN_RESIZE_REQUEST__INIT;
				tw.container_id = (char *)o.id;
				tw.row = 50;
				tw.column = 132;
				call(&c, AGENT, "TtyWinResize", &tw.base, NULL, o.timeout_ms);
				Grpc__ExecProcessRequest ex = GRPC__EXEC_PROCESS_REQUEST__INIT;
				Grpc__Process proc = *cc.oci->process;
				char *bad[] = {"nosuchcmd"};
				proc.args = bad;
				proc.n_args = 1;
				ex.container_id = (char *)o.id;
				ex.exec_id = "bad";
				ex.process = &proc;
				call(&c, AGENT, "ExecProcess", &ex.base, NULL, o.timeout_ms);
			}
			if (o.exec_args) {
				Grpc__ExecProcessRequest ex = GRPC__EXEC_PROCESS_REQUEST__INIT;
				Grpc__Process proc = *cc.oci->process;
				int n = 0;
				while (o.exec_args[n])
					n++;
				proc.args = o.exec_args;
				proc.n_args = (size_t)n;
				ex.container_id = (char *)o.id;
				ex.exec_id = "exec1";
				ex.process = &proc;
				if (call(&c, AGENT, "ExecProcess", &ex.base, NULL, o.timeout_ms) ==
				    0)
					eid = "exec1";
			}
			status = collect(&c, &o, eid);
			if (strcmp(eid, o.id) != 0) {
				/* The init keeps running; show its status after the exec's. */
				struct opts o2 = o;
				o2.stdin_data = NULL;
				o2.kill_after_ms = 0;
				note("init: %d", collect(&c, &o2, o.id));
			}
			if (o.checks) {
				/* After exit: the status stays, and reads report EOF at once. */
				struct opts o2 = o;
				o2.stdin_data = NULL;
				o2.kill_after_ms = -1;
				note("second wait: %d", collect(&c, &o2, eid));
			}
		}
		Grpc__RemoveContainerRequest rm = GRPC__REMOVE_CONTAINER_REQUEST__INIT;
		rm.container_id = (char *)o.id;
		rm.timeout = 10;
		if (!o.no_remove)
			call(&c, AGENT, "RemoveContainer", &rm.base, NULL, o.timeout_ms);
		if ((o.checks || o.no_wait) && !o.no_remove) {
			Grpc__WaitProcessRequest wr = GRPC__WAIT_PROCESS_REQUEST__INIT;
			wr.container_id = (char *)o.id;
			call(&c, AGENT, "WaitProcess", &wr.base, NULL, o.timeout_ms);
		}
	}
	if (!o.no_destroy) {
		Grpc__DestroySandboxRequest ds = GRPC__DESTROY_SANDBOX_REQUEST__INIT;
		call(&c, AGENT, "DestroySandbox", &ds.base, NULL, o.timeout_ms);
	}
	note("exit status %d", status);
	return status;
}
