/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's boot path: private mounts, VM, agent handshake, container creation. */
#include "monitor_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agent.pb-c.h"
#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "leak_check.h"
#include "google/protobuf/empty.pb-c.h"
#include "health.pb-c.h"
#include "control.h"
#include "factory.h"
#include "log.h"
#include "network.h" /* network_teardown, network_configure_guest */
#include "runtime_config.h"
#include "share_mounts.h"
#include "state.h"

static void report(int fd, int status, pid_t pid, const char *msg)
{
	struct monitor_report r = {.status = status, .pid = pid};
	snprintf(r.msg, sizeof(r.msg), "%s", msg ? msg : "");
	ssize_t ignored = write(fd, &r, sizeof(r));
	(void)ignored;
}

/* The rootfs bind mount lives in the monitor's own mount namespace, so it vanishes with the
 * monitor whatever way it exits: nothing can be left mounted on the host. */
static int share_rootfs(struct monitor *m, struct kata_error *err)
{
	struct monitor_args *a = m->args;
	if (unshare(CLONE_NEWNS) < 0)
		return kata_fail_errno(err, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return kata_fail_errno(err, errno, "make / rslave");
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/shared/%s/rootfs", a->dir, a->id);
	int rc = mkdir_p(target, 0700);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "mkdir %s", target);
	if (mount(a->spec->rootfs, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return kata_fail_errno(err, errno, "bind %s to %s", a->spec->rootfs, target);
	return 0;
}

static int agent_handshake(struct monitor *m, int timeout_ms, struct kata_error *err)
{
	Grpc__CheckRequest check = GRPC__CHECK_REQUEST__INIT;
	int rc = agent_call_sync(&m->agent, HEALTH_SERVICE, "Check", &check.base,
				 &grpc__health_check_response__descriptor, NULL, timeout_ms, err);
	if (rc < 0) {
		char tail[400];
		monitor_console_reason(m->args->dir, tail, sizeof(tail));
		if (*tail)
			kata_error_prefix(err, rc, "the guest agent did not come up (console: %s)",
					  tail);
		else
			kata_error_prefix(err, rc, "the guest agent did not come up");
	}
	return rc;
}

static int create_sandbox(struct monitor *m, enum vm_shared_fs fs, struct kata_error *err)
{
	char *options[] = {"trans=virtio", "version=9p2000.L", "msize=524288", "cache=mmap"};
	Grpc__Storage storage = GRPC__STORAGE__INIT;
	storage.driver = "9p";
	storage.source = VM_SHARE_TAG;
	storage.fstype = "9p";
	storage.options = options;
	storage.n_options = sizeof(options) / sizeof(*options);
	if (fs == VM_SHARED_FS_VIRTIO_FS) {
		/* Kata's names: driver "virtio-fs", the mount tag as source, no options. */
		storage.driver = "virtio-fs";
		storage.fstype = "virtiofs";
		storage.n_options = 0;
	}
	storage.mount_point = GUEST_SHARED_DIR;
	Grpc__Storage *storages[] = {&storage};

	Grpc__CreateSandboxRequest req = GRPC__CREATE_SANDBOX_REQUEST__INIT;
	req.hostname = m->args->spec->spec->hostname;
	req.storages = storages;
	req.n_storages = 1;
	req.sandbox_id = (char *)m->args->id;
	return agent_call_sync(&m->agent, AGENT_SERVICE, "CreateSandbox", &req.base,
			       &google__protobuf__empty__descriptor, NULL, 30000, err);
}

static int create_container(struct monitor *m, struct kata_error *err)
{
	struct monitor_args *a = m->args;
	Grpc__Root *root = a->spec->spec->root;
	char *guest_root = NULL;
	if (asprintf(&guest_root, "%s/%s/rootfs", GUEST_SHARED_DIR, a->id) < 0)
		return kata_fail(err, ENOMEM, "out of memory");
	free(root->path);
	root->path = guest_root;

	Grpc__CreateContainerRequest req = GRPC__CREATE_CONTAINER_REQUEST__INIT;
	req.container_id = (char *)a->id;
	req.exec_id = (char *)a->id;
	req.oci = a->spec->spec;
	return agent_call_sync(&m->agent, AGENT_SERVICE, "CreateContainer", &req.base,
			       &google__protobuf__empty__descriptor, NULL, 60000, err);
}

/* 1 when this container's VM can be restored from the saved template (*ret filled), 0 when
 * it boots (why is logged), or -errno. `unusable`: why no factory VM can serve it, or NULL. */
static int template_usable(struct monitor *m, const struct runtime_config *cfg,
			   const char *unusable, struct factory_template *ret,
			   struct kata_error *err)
{
	const char *why = unusable;
	if (!why) {
		int found = factory_template_find(cfg, ret, err);
		if (found != 0)
			return found;
		why = "no template saved for this VM's settings (kata factory init saves one)";
	}
	kata_debug(m->ctx, "%s: not restoring the VM template (%s): booting", m->args->id, why);
	return 0;
}

static int block_signals(struct monitor *m, struct kata_error *err)
{
	sigset_t set;
	sigfillset(&set);
	/* Faults stay deliverable; SIGPIPE is ignored so a closed stdout is just EPIPE. */
	int keep[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGPIPE};
	for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++)
		sigdelset(&set, keep[i]);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return kata_fail_errno(err, errno, "sigprocmask");
	m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sigfd < 0)
		return kata_fail_errno(err, errno, "signalfd");
	return 0;
}

static int boot(struct monitor *m, struct kata_error *err)
{
	struct monitor_args *a = m->args;
	struct runtime_config rc_cfg;
	int rc;
	Grpc__Spec *spec = a->spec->spec;
	if ((rc = runtime_config_load(&rc_cfg, err)) < 0 ||
	    (rc = runtime_config_apply_annotations(&rc_cfg, spec->annotations, spec->n_annotations,
						   err)) < 0)
		return rc;
	const Grpc__Linux *lx = a->spec->spec->linux;
	runtime_config_size_for(&rc_cfg, lx ? lx->resources : NULL,
				(unsigned)sysconf(_SC_NPROCESSORS_ONLN));
	/* A pooled VM when one matches this VM exactly (factory.vm_cache_number); the refill
	 * starts before our mount namespace exists, so its VMs never hold our mounts. */
	cleanup_factory_vm struct factory_vm pooled = {.dirfd = -1, .conn = -1};
	const char *unusable = rc_cfg.vm_cache_number || rc_cfg.enable_template
				   ? monitor_factory_unusable(m, &rc_cfg)
				   : NULL;
	int claimed =
	    rc_cfg.vm_cache_number && !unusable ? factory_claim(&rc_cfg, &pooled, err) : 0;
	if (claimed < 0)
		return claimed;
	if (claimed)
		factory_refill_async(&rc_cfg);
	else if (rc_cfg.vm_cache_number)
		kata_debug(m->ctx, "%s: no pooled VM taken (%s): booting one", a->id,
			   unusable ? unusable : "none ready with this VM's size");
	struct factory_template tpl;
	int from_template = 0;
	if (!claimed && rc_cfg.enable_template &&
	    (from_template = template_usable(m, &rc_cfg, unusable, &tpl, err)) < 0)
		return from_template;
	if ((rc = monitor_stdio_setup(m, err)) < 0 || (rc = share_rootfs(m, err)) < 0 ||
	    (rc = share_mounts(a->dir, a->id, a->spec->spec, err)) < 0)
		return rc;
	/* runtime.enable_debug: this monitor logs debug lines as with --debug. */
	static struct kata_context debug_ctx;
	if (rc_cfg.runtime_debug && !m->ctx->debug) {
		debug_ctx = *m->ctx;
		debug_ctx.debug = true;
		m->ctx = &debug_ctx;
	}

	/* QEMU's sockets are named relative to the state directory, its cwd and ours: a deep
	 * --root would otherwise overflow the 108 bytes of a unix socket path. */
	if (chdir(a->dir) < 0)
		return kata_fail_errno(err, errno, "chdir %s", a->dir);
	char name[PATH_MAX + 8];
	snprintf(name, sizeof(name), "kata:%s", a->dir);
	struct vm_config cfg = {
	    .qemu_path = rc_cfg.qemu,
	    .name = name,
	    .kernel = rc_cfg.kernel,
	    .initrd = rc_cfg.initrd,
	    .kernel_params = rc_cfg.kernel_params,
	    .vcpus = rc_cfg.vcpus,
	    .memory_mib = rc_cfg.memory_mib,
	    .run_dir = ".",
	    .shared_dir = "shared",
	    .shared_fs = rc_cfg.shared_fs,
	    .virtiofsd_path = rc_cfg.virtiofsd,
	    .virtiofs_cache = rc_cfg.virtiofs_cache,
	    .cache_dir = runtime_cache_dir(),
	    .debug = m->ctx->debug || rc_cfg.hypervisor_debug,
	    .agent_debug = rc_cfg.agent_debug,
	};
	mkdir_p(cfg.cache_dir, 0700);
	struct vm_nic nics[VM_MAX_NICS];
	if ((rc = monitor_prepare_network(m, rc_cfg.net_model, nics, &cfg, err)) < 0)
		return rc;
	const char *why = NULL;
	long long t0 = monitor_now_ms();
	if (claimed) {
		char src[PATH_MAX];
		snprintf(src, sizeof(src), "%s/shared/%s", a->dir, a->id);
		kata_debug(m->ctx, "%s: adopting pooled VM %s", a->id, pooled.dir);
		if ((rc = factory_adopt(&pooled, src, a->id, &cfg.channel, &m->vm, err)) < 0)
			return rc;
	} else {
		/* A clone has the template's devices: its agent listens on virtio-serial. */
		int channel = from_template ? CHANNEL_VIRTIO_SERIAL : rc_cfg.channel_force;
		if ((rc = channel_prepare(&cfg.channel, ".", channel, &why, err)) < 0)
			return rc;
		if (from_template) {
			cfg.mem_file = tpl.memory;
			cfg.incoming_state = tpl.state;
			kata_debug(m->ctx, "%s: restoring the VM template %s", a->id, tpl.dir);
		}
		kata_debug(m->ctx, "%s: agent channel: %s (%s); shared fs %s; config %s", a->id,
			   channel_kind_name(cfg.channel.kind), why ? why : "",
			   config_shared_fs_name(cfg.shared_fs),
			   *rc_cfg.source ? rc_cfg.source : "built-in");
		rc = vm_start(&cfg, &m->vm, err);
		/* QEMU holds its own copy of a vhost-vsock fd once started. */
		channel_release(&cfg.channel);
		if (rc < 0 && from_template)
			return kata_error_prefix(err, rc,
						 "restoring the VM template %s (kata factory "
						 "destroy, then init, saves a new one)",
						 tpl.dir);
		if (rc < 0)
			return rc;
	}
	if ((rc = block_signals(m, err)) < 0)
		return rc;
	int fd = vm_connect_agent(m->vm, 10000, err);
	if (fd < 0)
		return fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	agent_client_init(&m->agent, fd);
	if ((rc = agent_handshake(m, rc_cfg.boot_timeout_ms, err)) < 0)
		return rc;
	if (from_template && (rc = agent_after_restore(&m->agent, err)) < 0)
		return rc;
	kata_debug(m->ctx, "%s: agent ready %lld ms after QEMU start", a->id,
		   monitor_now_ms() - t0);
	if ((rc = create_sandbox(m, rc_cfg.shared_fs, err)) < 0 ||
	    (rc = network_configure_guest(&m->agent, m->net, err)) < 0 ||
	    (rc = create_container(m, err)) < 0)
		return rc;
	return 0;
}

static int write_created_state(struct monitor *m, struct kata_error *err)
{
	struct monitor_args *a = m->args;
	char now[64];
	rfc3339_now(now, sizeof(now));
	struct container_state st = {
	    .id = (char *)a->id,
	    .status = "created",
	    .pid = getpid(),
	    .bundle = a->spec->bundle,
	    .rootfs = a->spec->rootfs,
	    .created = now,
	    .annotations_json = a->spec->annotations_json,
	    .exit_status = -1,
	};
	proc_start_time(st.pid, &st.pid_start);
	return state_write(a->dir, &st, err);
}

_Noreturn void monitor_main(struct monitor_args *a)
{
	struct monitor m = {
	    .args = a,
	    .ctx = a->ctx,
	    .epfd = -1,
	    .sigfd = -1,
	    .control_fd = -1,
	    .in_fd = -1,
	    .out_fd = -1,
	    .err_fd = -1,
	    .raw_tty_fd = -1,
	    .exit_status = -1,
	    .statedir_fd = -1,
	};
	m.agent.fd = -1;
	struct kata_error err = {0};
	prctl(PR_SET_NAME, "kata-monitor");

	int rc = boot(&m, &err);
	if (rc >= 0 && (m.control_fd = control_listen(a->dir, &err)) < 0)
		rc = m.control_fd;
	if (rc >= 0)
		rc = write_created_state(&m, &err);
	if (rc < 0) {
		kata_logf(m.ctx, "error", "%s: %s", a->id, err.msg);
		m.vm = vm_free(m.vm);
		monitor_log_boot_failure(&m);
		m.net = network_teardown(m.net);
		network_record_remove(a->dir);
		monitor_stdio_restore(&m);
		report(a->sync_fd, err.status ? err.status : EIO, getpid(), err.msg);
		leak_check();
		_exit(1);
	}
	report(a->sync_fd, 0, getpid(), NULL);
	close(a->sync_fd);

	int status = monitor_loop(&m);
	kata_debug(m.ctx, "%s: workload exited with status %d", a->id, status);
	/* An orphan has no state left to update (see monitor_statedir.c). */
	if (!m.orphaned && state_update_status(a->dir, "stopped", status, &err) < 0)
		kata_logf(m.ctx, "error", "%s: %s", a->id, err.msg);
	agent_client_close(&m.agent);
	if (m.vm)
		vm_stop(m.vm, 3000);
	m.vm = vm_free(m.vm);
	m.net = network_teardown(m.net);
	network_record_remove(a->dir);
	monitor_stdio_restore(&m);
	leak_check();
	_exit(status);
}
