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
#include "runtime_config.h"
#include "state.h"

static const char *cache_dir(void)
{
	const char *d = getenv("KATA_CACHE_DIR");
	return d && *d ? d : KATA_CACHE_DIR;
}

static const char *accel_name(enum vm_accel a)
{
	return a == VM_ACCEL_KVM ? "kvm" : "tcg";
}

/* Whether QEMU has the virtio-9p device the rootfs share needs (QEMU built without virtfs
 * lacks it). Runs `qemu -device help` directly, without a shell. */
static int qemu_has_9p(const char *qemu, char *why, size_t len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(qemu, qemu, "-machine", "microvm", "-device", "help", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	cleanup_free char *out = NULL;
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
	bool found = out && strstr(out, "\"virtio-9p-device\"");
	snprintf(why, len, "%s",
		 found ? "virtio-9p-device available" : "QEMU has no virtio-9p-device");
	return found ? 1 : 0;
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
	bool cfg_ok = runtime_config_load(&cfg, &e) == 0;
	bool qemu_ok = access(cfg.qemu, X_OK) == 0;
	ADD("qemu", qemu_ok, "%s", qemu_ok ? cfg.qemu : e.msg);
	if (cfg_ok) {
		ADD("kernel", true, "%s", cfg.kernel);
		ADD("initrd", true, "%s", cfg.initrd);
	} else if (qemu_ok) {
		/* The first of kernel and initrd that is missing is what failed. */
		bool kernel_ok = cfg.kernel[0] != '\0' && access(cfg.kernel, R_OK) == 0;
		ADD(kernel_ok ? "initrd" : "kernel", false, "%s", e.msg);
	}
	if (qemu_ok) {
		enum vm_accel accel;
		const char *why = NULL;
		e = (struct kata_error){0};
		if (vm_probe_accel(cfg.qemu, cache_dir(), &accel, &why, &e) == 0) {
			char detail[512];
			snprintf(detail, sizeof(detail), "%s (%s)", accel_name(accel),
				 why ? why : "");
			ADD("accelerator", true, "%s", detail);
		} else {
			ADD("accelerator", false, "%s", e.msg);
		}
		char why9p[128];
		int has = qemu_has_9p(cfg.qemu, why9p, sizeof(why9p));
		ADD("9p", has == 1, "%s", has < 0 ? strerror(-has) : why9p);
	}
	char tmp[] = "/tmp/kata-check.XXXXXX";
	if (mkdtemp(tmp)) {
		struct channel_config ch;
		const char *why = NULL;
		e = (struct kata_error){0};
		if (channel_prepare(&ch, tmp, -1, &why, &e) == 0) {
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

int kata_env_json(const struct kata_context *ctx, char **ret_json, struct kata_error *err)
{
	struct runtime_config cfg;
	int rc = runtime_config_load(&cfg, err);
	if (rc < 0)
		return rc;
	enum vm_accel accel;
	const char *accel_why = NULL;
	rc = vm_probe_accel(cfg.qemu, cache_dir(), &accel, &accel_why, err);
	if (rc < 0)
		return rc;
	char accel_reason[512];
	snprintf(accel_reason, sizeof(accel_reason), "%s", accel_why ? accel_why : "");
	char tmp[] = "/tmp/kata-env.XXXXXX";
	if (!mkdtemp(tmp))
		return kata_fail_errno(err, errno, "mkdtemp");
	struct channel_config ch;
	const char *ch_why = NULL;
	rc = channel_prepare(&ch, tmp, -1, &ch_why, err);
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
	kv(g, "accelerator", accel_name(accel));
	kv(g, "accelerator_reason", accel_reason);
	kv(g, "channel", channel_kind_name(ch.kind));
	kv(g, "channel_reason", ch_why ? ch_why : "no usable vhost-vsock: virtio-serial");
	kv(g, "cache_dir", cache_dir());
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
