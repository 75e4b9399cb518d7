/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of the host-guest byte channel that carries the agent's ttrpc traffic.
 * One interface, three transports: virtio-serial (a QEMU chardev unix socket), AF_VSOCK
 * (vhost-vsock), and hybrid vsock (a unix socket where "CONNECT <port>\n" -> "OK <port>\n").
 */
#ifndef KATA_CHANNEL_H
#define KATA_CHANNEL_H

#include <stdbool.h>
#include <sys/un.h>

#include "kata.h"
#include "strv.h"

#define AGENT_VSOCK_PORT  1024
#define AGENT_SERIAL_NAME "agent.channel.0"

enum channel_kind {
	CHANNEL_VIRTIO_SERIAL = 0,
	CHANNEL_VSOCK,
	CHANNEL_HYBRID_VSOCK,
};

struct channel_config {
	enum channel_kind kind;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* serial / hybrid */
	unsigned guest_cid; /* vsock: the CID reserved through vhost_fd */
	int vhost_fd;	    /* vsock: open /dev/vhost-vsock, handed to QEMU; -1 otherwise */
	unsigned port;	    /* vsock / hybrid: agent port, AGENT_VSOCK_PORT by default */
};

/* Returns the transport's name ("virtio-serial", "vsock", "hybrid-vsock"). */
const char *channel_kind_name(enum channel_kind kind);

/*
 * Prepares cfg for a VM whose runtime files live in run_dir: vsock when /dev/vhost-vsock can
 * reserve a CID (unless force_kind says otherwise), virtio-serial otherwise. *ret_why explains
 * the choice in words (static string). Use force_kind = -1 to auto-detect.
 */
int channel_prepare(struct channel_config *cfg, const char *run_dir, int force_kind,
		    const char **ret_why, struct kata_error *err);

/* Appends the QEMU command-line arguments (devices, chardevs) for this channel. */
int channel_qemu_args(const struct channel_config *cfg, struct strv *argv, struct kata_error *err);

/* Connects to the guest side, retrying until timeout_ms; returns an O_CLOEXEC fd. */
int channel_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err);

/* Performs the hybrid-vsock handshake on a connected unix socket fd (exposed for tests). */
int channel_hybrid_handshake(int fd, unsigned port, int timeout_ms, struct kata_error *err);

/* Releases what channel_prepare took (the vhost fd). */
void channel_release(struct channel_config *cfg);

#endif
