/* SPDX-License-Identifier: Apache-2.0 */
#include "channel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "transports.h"

const char *channel_kind_name(enum channel_kind kind)
{
	switch (kind) {
	case CHANNEL_VIRTIO_SERIAL:
		return "virtio-serial";
	case CHANNEL_VSOCK:
		return "vsock";
	case CHANNEL_HYBRID_VSOCK:
		return "hybrid-vsock";
	}
	return "unknown";
}

static int set_socket_path(struct channel_config *cfg, const char *run_dir, const char *name,
			   struct kata_error *err)
{
	int n = snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s/%s", run_dir, name);
	if (n < 0 || (size_t)n >= sizeof(cfg->socket_path))
		return kata_fail(err, ENAMETOOLONG,
				 "channel socket path %s/%s is longer than %zu bytes", run_dir,
				 name, sizeof(cfg->socket_path) - 1);
	return 0;
}

int channel_prepare(struct channel_config *cfg, const char *run_dir, int force_kind,
		    const char **ret_why, struct kata_error *err)
{
	const char *why = NULL;
	struct channel_config c = {.vhost_fd = -1, .port = AGENT_VSOCK_PORT};

	if (!run_dir)
		return kata_fail(err, EINVAL, "channel: no run directory given");

	switch (force_kind) {
	case -1: {
		struct kata_error vsock_err = {0};
		c.kind = CHANNEL_VSOCK;
		if (vsock_reserve_cid(&c, &why, &vsock_err) == 0)
			break;
		c.kind = CHANNEL_VIRTIO_SERIAL;
		int r = set_socket_path(&c, run_dir, "agent.sock", err);
		if (r < 0)
			return r;
		break;
	}
	case CHANNEL_VSOCK: {
		c.kind = CHANNEL_VSOCK;
		int r = vsock_reserve_cid(&c, &why, err);
		if (r < 0)
			return kata_error_prefix(err, r, "vsock channel requested");
		why = "vsock: requested by configuration";
		break;
	}
	case CHANNEL_VIRTIO_SERIAL: {
		c.kind = CHANNEL_VIRTIO_SERIAL;
		int r = set_socket_path(&c, run_dir, "agent.sock", err);
		if (r < 0)
			return r;
		why = "virtio-serial: requested by configuration";
		break;
	}
	case CHANNEL_HYBRID_VSOCK: {
		c.kind = CHANNEL_HYBRID_VSOCK;
		int r = set_socket_path(&c, run_dir, "kata.hvsock", err);
		if (r < 0)
			return r;
		why = "hybrid-vsock: requested by configuration";
		break;
	}
	default:
		return kata_fail(err, EINVAL, "channel: unknown transport %d", force_kind);
	}

	*cfg = c;
	if (ret_why)
		*ret_why = why;
	return 0;
}

int channel_qemu_args(const struct channel_config *cfg, struct strv *argv, struct kata_error *err)
{
	switch (cfg->kind) {
	case CHANNEL_VIRTIO_SERIAL:
		return virtio_serial_qemu_args(cfg, argv, err);
	case CHANNEL_VSOCK:
		return vsock_qemu_args(cfg, argv, err);
	case CHANNEL_HYBRID_VSOCK:
		return kata_fail(err, EOPNOTSUPP,
				 "the hybrid-vsock channel is not supported by the QEMU driver "
				 "(it is served by Firecracker or Cloud Hypervisor)");
	}
	return kata_fail(err, EINVAL, "channel: unknown transport %d", (int)cfg->kind);
}

int channel_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err)
{
	switch (cfg->kind) {
	case CHANNEL_VIRTIO_SERIAL:
		return virtio_serial_connect(cfg, timeout_ms, err);
	case CHANNEL_VSOCK:
		return vsock_connect(cfg, timeout_ms, err);
	case CHANNEL_HYBRID_VSOCK:
		return hybrid_vsock_connect(cfg, timeout_ms, err);
	}
	return kata_fail(err, EINVAL, "channel: unknown transport %d", (int)cfg->kind);
}

void channel_release(struct channel_config *cfg)
{
	if (cfg && cfg->vhost_fd >= 0) {
		close(cfg->vhost_fd);
		cfg->vhost_fd = -1;
	}
}
