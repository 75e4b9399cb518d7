/* SPDX-License-Identifier: Apache-2.0 */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t next_seq = 1;

static struct nlmsghdr *nlh(struct nl_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	/* Let the kernel's extended ack name the bad attribute (ignored by old kernels). */
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

void nl_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len)
{
	memset(m, 0, NLMSG_SPACE(hdr_len));
	m->overflow = false;
	nlh(m)->nlmsg_len = NLMSG_LENGTH(hdr_len);
	nlh(m)->nlmsg_type = type;
	nlh(m)->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh(m)->nlmsg_seq = next_seq++;
	if (hdr_len)
		memcpy(NLMSG_DATA(nlh(m)), hdr, hdr_len);
	nlh(m)->nlmsg_len = NLMSG_ALIGN(nlh(m)->nlmsg_len);
}

void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(nlh(m)->nlmsg_len);
	if (off + RTA_SPACE(len) > sizeof(m->buf)) {
		m->overflow = true;
		return;
	}
	struct rtattr *a = (struct rtattr *)(m->buf + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	memset((char *)RTA_DATA(a) + len, 0, RTA_SPACE(len) - RTA_LENGTH(len));
	nlh(m)->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1);
}

struct rtattr *nl_nest_start(struct nl_msg *m, uint16_t type)
{
	size_t off = NLMSG_ALIGN(nlh(m)->nlmsg_len);
	nl_put(m, type | NLA_F_NESTED, NULL, 0);
	return m->overflow ? NULL : (struct rtattr *)(m->buf + off);
}

void nl_nest_end(struct nl_msg *m, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (unsigned short)(m->buf + nlh(m)->nlmsg_len - (char *)nest);
}

static int send_msg(int fd, struct nl_msg *m)
{
	if (m->overflow)
		return -EMSGSIZE;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(fd, m->buf, nlh(m)->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* Reads answers to seq; cb (may be NULL) sees each data message. Returns at the ack, the
 * error or NLMSG_DONE. */
static int receive(int fd, uint32_t seq, int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int cb_rc = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		unsigned int len = (unsigned int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return cb_rc;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : cb_rc;
			}
			if (cb && cb_rc >= 0)
				cb_rc = cb(h, arg);
		}
	}
}

int nl_request(int fd, struct nl_msg *m)
{
	nlh(m)->nlmsg_flags |= NLM_F_ACK;
	int rc = send_msg(fd, m);
	return rc < 0 ? rc : receive(fd, nlh(m)->nlmsg_seq, NULL, NULL);
}

int nl_dump(int fd, struct nl_msg *m, int (*cb)(const struct nlmsghdr *h, void *arg), void *arg)
{
	nlh(m)->nlmsg_flags |= NLM_F_DUMP;
	int rc = send_msg(fd, m);
	return rc < 0 ? rc : receive(fd, nlh(m)->nlmsg_seq, cb, arg);
}

static void parse_attrs(const struct rtattr *a, int len, const struct rtattr **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		int type = a->rta_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
	}
}

void nl_parse(const struct nlmsghdr *h, size_t hdr_len, const struct rtattr **tb, int max)
{
	const struct rtattr *a =
	    (const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdr_len));
	parse_attrs(a, (int)h->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(hdr_len)), tb, max);
}

void nl_parse_nested(const struct rtattr *a, const struct rtattr **tb, int max)
{
	parse_attrs(RTA_DATA(a), (int)RTA_PAYLOAD(a), tb, max);
}
