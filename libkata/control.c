/* SPDX-License-Identifier: Apache-2.0 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

/*
 * The socket's address. A state directory deep enough to overflow sun_path (108 bytes) is
 * reached through an O_PATH fd instead: /proc/self/fd/N/monitor.sock is always short. The
 * caller keeps *dirfd open until bind/connect is done.
 */
static int socket_address(const char *dir, struct sockaddr_un *addr, int *dirfd,
			  struct kata_error *err)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	*dirfd = -1;
	if (snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/monitor.sock", dir) <
	    (int)sizeof(addr->sun_path))
		return 0;
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return kata_fail_errno(err, errno, "open %s", dir);
	snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/monitor.sock", *dirfd);
	return 0;
}

int control_listen(const char *dir, struct kata_error *err)
{
	struct sockaddr_un addr;
	cleanup_close int dirfd = -1;
	int rc = socket_address(dir, &addr, &dirfd, err);
	if (rc < 0)
		return rc;
	cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "socket");
	unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return kata_fail_errno(err, errno, "bind %s/monitor.sock", dir);
	if (chmod(addr.sun_path, 0600) < 0 || listen(fd, 16) < 0)
		return kata_fail_errno(err, errno, "listen %s/monitor.sock", dir);
	return steal_fd(fd);
}

int control_connect(const char *dir, struct kata_error *err)
{
	struct sockaddr_un addr;
	cleanup_close int dirfd = -1;
	int rc = socket_address(dir, &addr, &dirfd, err);
	if (rc < 0)
		return rc;
	cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kata_fail_errno(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return kata_fail_errno(err, errno, "connect to the container's monitor");
	return steal_fd(fd);
}

/* Sends header + payload as one packet, with fds as SCM_RIGHTS. */
static int send_packet(int fd, const void *hdr, size_t hdr_len, const void *payload, size_t len,
		       const int *fds, size_t n_fds)
{
	if (len > CONTROL_MAX_PAYLOAD || n_fds > CONTROL_MAX_FDS)
		return -EMSGSIZE;
	struct iovec iov[2] = {{.iov_base = (void *)hdr, .iov_len = hdr_len},
			       {.iov_base = (void *)payload, .iov_len = len}};
	char cbuf[CMSG_SPACE(sizeof(int) * CONTROL_MAX_FDS)];
	memset(cbuf, 0, sizeof(cbuf));
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	if (n_fds > 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	ssize_t n;
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)(hdr_len + len) ? 0 : -EPIPE;
}

/*
 * Receives one packet into hdr (hdr_len bytes) and a payload buffer. The payload length the
 * header claims is checked against what arrived: a packet is all or nothing.
 */
static int recv_packet(int fd, void *hdr, size_t hdr_len, size_t len_offset, char **ret_payload,
		       int ret_fds[CONTROL_MAX_FDS])
{
	cleanup_free char *buf = malloc(hdr_len + CONTROL_MAX_PAYLOAD + 1);
	if (!buf)
		return -ENOMEM;
	char cbuf[CMSG_SPACE(sizeof(int) * CONTROL_MAX_FDS)];
	struct iovec iov = {.iov_base = buf, .iov_len = hdr_len + CONTROL_MAX_PAYLOAD};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ret_fds ? cbuf : NULL,
			     .msg_controllen = ret_fds ? sizeof(cbuf) : 0};
	ssize_t n;
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	size_t got_fds = 0;
	if (ret_fds) {
		for (int i = 0; i < CONTROL_MAX_FDS; i++)
			ret_fds[i] = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k && got_fds < CONTROL_MAX_FDS; i++)
				memcpy(&ret_fds[got_fds++], CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
		}
	}
	uint32_t claimed = 0;
	if ((size_t)n >= hdr_len)
		memcpy(&claimed, buf + len_offset, sizeof(claimed));
	if ((size_t)n < hdr_len || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    claimed != (size_t)n - hdr_len) {
		for (size_t i = 0; i < got_fds; i++) {
			close(ret_fds[i]);
			ret_fds[i] = -1;
		}
		return -EBADMSG;
	}
	memcpy(hdr, buf, hdr_len);
	if (ret_payload) {
		*ret_payload = NULL;
		if (claimed > 0) {
			memmove(buf, buf + hdr_len, claimed);
			buf[claimed] = '\0';
			*ret_payload = steal_ptr(buf);
		}
	}
	return 0;
}

int control_send_request(int fd, const struct control_request *req, const void *payload,
			 const int *fds, size_t n_fds)
{
	return send_packet(fd, req, sizeof(*req), payload, req->payload_len, fds, n_fds);
}

int control_recv_request(int fd, struct control_request *req, char **ret_payload,
			 int ret_fds[CONTROL_MAX_FDS])
{
	return recv_packet(fd, req, sizeof(*req), offsetof(struct control_request, payload_len),
			   ret_payload, ret_fds);
}

int control_send_reply(int fd, int status, enum control_reply_kind kind, int exit_status,
		       const char *msg, const void *payload, size_t payload_len)
{
	struct control_reply r = {.status = status,
				  .kind = kind,
				  .exit_status = exit_status,
				  .payload_len = (uint32_t)payload_len};
	snprintf(r.msg, sizeof(r.msg), "%s", msg ? msg : "");
	return send_packet(fd, &r, sizeof(r), payload, payload_len, NULL, 0);
}

int control_recv_reply(int fd, int timeout_ms, struct control_reply *ret, char **ret_payload,
		       size_t *ret_len, struct kata_error *err)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return kata_fail(err, ETIMEDOUT, "the container's monitor did not answer in %d ms",
				 timeout_ms);
	cleanup_free char *payload = NULL;
	struct control_reply r;
	int rc = recv_packet(fd, &r, sizeof(r), offsetof(struct control_reply, payload_len),
			     &payload, NULL);
	if (rc == -EBADMSG)
		return kata_fail(err, EBADMSG, "malformed reply from the container's monitor");
	if (rc < 0)
		return kata_fail(err, EPIPE, "the container's monitor closed the connection");
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (ret)
		*ret = r;
	if (r.status != 0)
		return kata_fail(err, r.status, "%s", r.msg);
	if (ret_len)
		*ret_len = r.payload_len;
	if (ret_payload)
		*ret_payload = steal_ptr(payload);
	return 0;
}

int control_call_payload(const char *dir, struct control_request *req, const void *payload,
			 size_t len, int timeout_ms, char **ret_payload, size_t *ret_len,
			 struct kata_error *err)
{
	cleanup_close int fd = control_connect(dir, err);
	if (fd < 0)
		return fd;
	req->payload_len = (uint32_t)len;
	int rc = control_send_request(fd, req, payload, NULL, 0);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "send to the container's monitor");
	return control_recv_reply(fd, timeout_ms, NULL, ret_payload, ret_len, err);
}

int control_call(const char *dir, const struct control_request *req, int timeout_ms,
		 struct kata_error *err)
{
	struct control_request r = *req;
	return control_call_payload(dir, &r, NULL, 0, timeout_ms, NULL, NULL, err);
}
