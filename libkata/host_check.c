/* SPDX-License-Identifier: Apache-2.0 */
/* check and env: can this host run kata, and with what configuration. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "hypervisor.h"
#include "config_file.h"
#include "runtime_config.h"
#include "state.h"

static const char *accel_name(enum vm_accel a)
{
	return a == VM_ACCEL_KVM ? "kvm" : "tcg";
}

/* QEMU's device list (`qemu -machine microvm -device help`), run directly, without a shell;
 * NULL when QEMU could not be run. The shared filesystem needs virtio-9p-device (9p; a QEMU
 * built without virtfs lacks it) or vhost-user-fs-device (virtio-fs). */
static char *qemu_devices(const char *qemu)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(qemu, qemu, "-machine", "microvm", "-device", "help", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char *out = NULL;
	size_t used = 0, cap = 0;
	for (;;) {
		if (used + 4096 + 1 > cap) {
			char *grown = realloc(out, cap = cap ? cap * 2 : 65536);
			if (!grown)
				break;
			out = grown;
		}
		ssize_t n = read(p[0], out + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (out)
		out[used] = '\0';
	return out;
}

static bool has_device(const char *devices, const char *name)
{
	char quoted[64];
	snprintf(quoted, sizeof(quoted), "\"%s\"", name);
	return devices && strstr(devices, quoted);
}

static struct kata_check_item *add(struct kata_check_item **items, size_t *n, const char *name,
				   bool ok, const char *fmt, const char *detail)
{
	struct kata_check_item *grown = realloc(*items, (*n + 1) * sizeof(**items));
	if (!grown)
		return NULL;
	*items = grown;
	struct kata_check_item *it = &grown[(*n)++];
	memset(it, 0, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->ok = ok;
	snprintf(it->detail, sizeof(it->detail), fmt, detail);
	return it;
}

int kata_host_check(struct kata_check_item **ret, size_t *ret_n, struct kata_error *err)
{
	struct kata_check_item *items = NULL;
	size_t n = 0;
	int failed = 0;
	bool oom = false;
#define ADD(name, ok, fmt, detail)                                                                 \
	do {                                                                                       \
		if (!add(&items, &n, name, ok, fmt, detail))                                       \
			oom = true;                                                                \
		failed += !(ok);                                                                   \
	} while (0)

	struct runtime_config cfg;
	struct kata_error e = {0};
	struct config_file file;
	if (config_file_load(NULL, &file, &e) < 0) {
		/* Nothing else can be resolved without a readable configuration. */
		ADD("config", false, "%s", e.msg);
		goto done;
	}
	ADD("config", true, "%s", *file.path ? file.path : "built-in defaults (no file)");
	bool cfg_ok = runtime_config_load(&cfg, &e) == 0;
	bool qemu_ok = access(cfg.qemu, X_OK) == 0;
	ADD("qemu", qemu_ok, "%s", qemu_ok ? cfg.qemu : e.msg);
	bool virtio_fs = cfg.shared_fs == VM_SHARED_FS_VIRTIO_FS;
	if (cfg_ok) {
		ADD("kernel", true, "%s", cfg.kernel);
		ADD("initrd", true, "%s", cfg.initrd);
	} else if (qemu_ok) {
		/* runtime_config_load stops at the first of kernel, initrd, virtiofsd missing. */
		bool kernel_ok = cfg.kernel[0] != '\0' && access(cfg.kernel, R_OK) == 0;
		bool initrd_ok = cfg.initrd[0] != '\0' && access(cfg.initrd, R_OK) == 0;
		const char *what = !kernel_ok ? "kernel" : !initrd_ok ? "initrd" : "virtiofsd";
		ADD(what, false, "%s", e.msg);
	}
	if (cfg_ok) {
		/* Only the shared filesystem in use needs its daemon. */
		bool found = access(cfg.virtiofsd, X_OK) == 0;
		char detail[PATH_MAX + 128];
		if (found)
			snprintf(detail, sizeof(detail), "%s", cfg.virtiofsd);
		else
			snprintf(detail, sizeof(detail), "not found: %s%s", cfg.virtiofsd,
				 virtio_fs ? "" : " (virtio-fs unavailable; not in use)");
		ADD("virtiofsd", found || !virtio_fs, "%s", detail);
	}
	if (qemu_ok) {
		enum vm_accel accel;
		const char *why = NULL;
		e = (struct kata_error){0};
		if (vm_probe_accel(cfg.qemu, cfg.kernel, runtime_cache_dir(), &accel, &why, &e) == 0) {
			char detail[512];
			snprintf(detail, sizeof(detail), "%s (%s)", accel_name(accel),
				 why ? why : "");
			ADD("accelerator", true, "%s", detail);
		} else {
			ADD("accelerator", false, "%s", e.msg);
		}
		cleanup_free char *devices = qemu_devices(cfg.qemu);
		bool has9p = has_device(devices, "virtio-9p-device");
		ADD("9p", has9p || virtio_fs, "%s",
		    has9p	? "virtio-9p-device available"
		    : virtio_fs ? "QEMU has no virtio-9p-device (not in use)"
				: "QEMU has no virtio-9p-device");
		bool hasfs = has_device(devices, "vhost-user-fs-device");
		ADD("virtio-fs", hasfs || !virtio_fs, "%s",
		    hasfs	? "vhost-user-fs-device available"
		    : virtio_fs ? "QEMU has no vhost-user-fs-device"
				: "QEMU has no vhost-user-fs-device (not in use)");
		if (cfg_ok) {
			char detail[sizeof(cfg.shared_fs_reason) + 32];
			snprintf(detail, sizeof(detail), "%s (%s)",
				 config_shared_fs_name(cfg.shared_fs), cfg.shared_fs_reason);
			ADD("shared_fs", true, "%s", detail);
		}
	}
	char tmp[] = "/tmp/kata-check.XXXXXX";
	if (mkdtemp(tmp)) {
		struct channel_config ch;
		const char *why = NULL;
		e = (struct kata_error){0};
		if (channel_prepare(&ch, tmp, cfg_ok ? cfg.channel_force : -1, &why, &e) == 0) {
			char detail[512];
			snprintf(detail, sizeof(detail), "%s (%s)", channel_kind_name(ch.kind),
				 why ? why : "no vhost-vsock: virtio-serial");
			channel_release(&ch);
			ADD("channel", true, "%s", detail);
		} else {
			ADD("channel", false, "%s", e.msg);
		}
		rm_rf(tmp);
	}
done:
#undef ADD
	if (oom) {
		free(items);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	*ret = items;
	*ret_n = n;
	return failed;
}

static void kv(yajl_gen g, const char *k, const char *v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

static void ki(yajl_gen g, const char *k, long long v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_integer(g, v);
}

static void kb(yajl_gen g, const char *k, bool v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_bool(g, v);
}

/* What the configuration file decides beyond the VM's basics. */
static void gen_config(yajl_gen g, const struct runtime_config *cfg)
{
	kv(g, "config_file", *cfg->source ? cfg->source : "built-in");
	kv(g, "kernel_params", cfg->kernel_params);
	kv(g, "shared_fs", config_shared_fs_name(cfg->shared_fs));
	kv(g, "shared_fs_reason", cfg->shared_fs_reason);
	kv(g, "virtio_fs_daemon", cfg->virtiofsd);
	kv(g, "virtio_fs_cache", config_virtiofs_cache_name(cfg->virtiofs_cache));
	yajl_gen_string(g, (const unsigned char *)"enable_annotations", 18);
	yajl_gen_array_open(g);
	for (unsigned b = 1; config_annotation_name(b); b <<= 1)
		if (cfg->annotations & b)
			yajl_gen_string(g, (const unsigned char *)config_annotation_name(b),
					strlen(config_annotation_name(b)));
	yajl_gen_array_close(g);
	kb(g, "hypervisor_debug", cfg->hypervisor_debug);
	kb(g, "agent_debug", cfg->agent_debug);
	kb(g, "runtime_debug", cfg->runtime_debug);
	kv(g, "internetworking_model", config_net_model_name(cfg->net_model));
	kv(g, "networking",
	   cfg->net_model == CONFIG_NET_NONE
	       ? "none: guests get loopback only"
	       : "the spec's network namespace interfaces reach the guest via tap + tc mirred");
	ki(g, "vm_cache_number", cfg->vm_cache_number);
	kb(g, "enable_template", cfg->enable_template);
}

int kata_env_json(const struct kata_context *ctx, char **ret_json, struct kata_error *err)
{
	struct runtime_config cfg;
	int rc = runtime_config_load(&cfg, err);
	if (rc < 0)
		return rc;
	enum vm_accel accel;
	const char *accel_why = NULL;
	rc = vm_probe_accel(cfg.qemu, cfg.kernel, runtime_cache_dir(), &accel, &accel_why, err);
	if (rc < 0)
		return rc;
	char accel_reason[512];
	snprintf(accel_reason, sizeof(accel_reason), "%s", accel_why ? accel_why : "");
	char tmp[] = "/tmp/kata-env.XXXXXX";
	if (!mkdtemp(tmp))
		return kata_fail_errno(err, errno, "mkdtemp");
	struct channel_config ch;
	const char *ch_why = NULL;
	rc = channel_prepare(&ch, tmp, cfg.channel_force, &ch_why, err);
	rm_rf(tmp);
	if (rc < 0)
		return rc;
	channel_release(&ch);
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return kata_fail(err, ENOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	kv(g, "root", ctx && ctx->root && *ctx->root ? ctx->root : KATA_DEFAULT_ROOT);
	kv(g, "qemu", cfg.qemu);
	kv(g, "kernel", cfg.kernel);
	kv(g, "initrd", cfg.initrd);
	ki(g, "memory_mib", cfg.memory_mib);
	ki(g, "vcpus", cfg.vcpus);
	ki(g, "boot_timeout_ms", cfg.boot_timeout_ms);
	gen_config(g, &cfg);
	kv(g, "accelerator", accel_name(accel));
	kv(g, "accelerator_reason", accel_reason);
	kv(g, "channel", channel_kind_name(ch.kind));
	kv(g, "channel_reason", ch_why ? ch_why : "no usable vhost-vsock: virtio-serial");
	kv(g, "cache_dir", runtime_cache_dir());
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	/* The beautifier ends with a newline; callers add their own. */
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	*ret_json = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return *ret_json ? 0 : kata_fail(err, ENOMEM, "out of memory");
}
