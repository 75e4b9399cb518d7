/* SPDX-License-Identifier: Apache-2.0 */
/* The three transports behind channel.h; channel.c dispatches on channel_config.kind. */
#ifndef KATA_TRANSPORTS_H
#define KATA_TRANSPORTS_H

#include "channel.h"

/* virtio-serial: a QEMU chardev unix socket wired to a virtserialport in the guest. */
int virtio_serial_qemu_args(const struct channel_config *cfg, struct strv *argv,
			    struct kata_error *err);
int virtio_serial_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err);

/* vsock: /dev/vhost-vsock in the kernel, AF_VSOCK on the host. */
int vsock_reserve_cid(struct channel_config *cfg, const char **ret_why, struct kata_error *err);
int vsock_qemu_args(const struct channel_config *cfg, struct strv *argv, struct kata_error *err);
int vsock_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err);

/* hybrid vsock: the VMM (Firecracker, Cloud Hypervisor) proxies a unix socket to guest ports. */
int hybrid_vsock_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err);

#endif
