/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <linux/vm_sockets.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "sockutil.h"
#include "transports.h"

#define VHOST_VSOCK_DEV "/dev/vhost-vsock"
#define FIRST_GUEST_CID 3 /* 0-2 are reserved (hypervisor, local, host) */
#define LAST_GUEST_CID	65535

int vsock_reserve_cid(struct channel_config *cfg, const char **ret_why, struct kata_error *err)
{
	cleanup_close int fd = open(VHOST_VSOCK_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		*ret_why = e == ENOENT ? "virtio-serial: " VHOST_VSOCK_DEV " is missing"
				       : "virtio-serial: " VHOST_VSOCK_DEV " cannot be opened";
		return kata_fail_errno(err, e, "opening %s", VHOST_VSOCK_DEV);
	}
	/* The CID stays ours while this fd is open; QEMU re-applies it on its inherited copy. */
	for (uint64_t cid = FIRST_GUEST_CID; cid <= LAST_GUEST_CID; cid++) {
		if (ioctl(fd, VHOST_VSOCK_SET_GUEST_CID, &cid) == 0) {
			cfg->guest_cid = (unsigned)cid;
			cfg->vhost_fd = steal_fd(fd);
			*ret_why = "vsock: " VHOST_VSOCK_DEV " reserved a guest CID";
			return 0;
		}
		if (errno != EADDRINUSE) {
			*ret_why = "virtio-serial: " VHOST_VSOCK_DEV " refused to set a guest CID";
			return kata_fail_errno(err, errno, "reserving vsock guest CID %llu",
					       (unsigned long long)cid);
		}
	}
	*ret_why = "virtio-serial: no free vsock guest CID";
	return kata_fail(err, EADDRINUSE, "no free vsock guest CID in %d..%d", FIRST_GUEST_CID,
			 LAST_GUEST_CID);
}

int vsock_qemu_args(const struct channel_config *cfg, struct strv *argv, struct kata_error *err)
{
	if (cfg->vhost_fd < 0 || cfg->guest_cid < FIRST_GUEST_CID)
		return kata_fail(err, EINVAL, "vsock channel has no reserved guest CID");
	if (strv_add(argv, "-device") < 0 ||
	    strv_addf(argv, "vhost-vsock-device,id=vsock0,guest-cid=%u,vhostfd=%d", cfg->guest_cid,
		      cfg->vhost_fd) < 0)
		return kata_fail(err, ENOMEM, "vsock arguments: out of memory");
	return 0;
}

/* One attempt, bounded by deadline: the connected blocking fd, or -errno. */
static int vsock_connect_once(unsigned cid, unsigned port, int64_t deadline)
{
	cleanup_close int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		int r = wait_fd_until(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
		int so_err = 0;
		socklen_t len = sizeof(so_err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_err, &len) < 0)
			return -errno;
		if (so_err)
			return -so_err;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return -errno;
	return steal_fd(fd);
}

static bool vsock_retryable(int e)
{
	/* The guest is booting: nobody listens yet, or the transport is not up. */
	return e == ECONNREFUSED || e == ECONNRESET || e == ETIMEDOUT || e == ENODEV ||
	       e == EHOSTUNREACH || e == ENETUNREACH || e == EINTR;
}

int vsock_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err)
{
	unsigned port = cfg->port ? cfg->port : AGENT_VSOCK_PORT;
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		int fd = vsock_connect_once(cfg->guest_cid, port, deadline);
		if (fd >= 0)
			return fd;
		if (!vsock_retryable(-fd))
			return kata_fail_errno(err, -fd, "connecting to the agent at vsock %u:%u",
					       cfg->guest_cid, port);
		if (deadline_left(deadline) == 0)
			return kata_fail(
			    err, ETIMEDOUT,
			    "connecting to the agent at vsock %u:%u: not ready after %d ms "
			    "(%s)",
			    cfg->guest_cid, port, timeout_ms, strerror(-fd));
		sleep_until_at_most(deadline, 10);
	}
}
