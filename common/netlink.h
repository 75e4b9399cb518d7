/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small rtnetlink client shared by the host (taps, tc mirroring, reading a network
 * namespace) and the agent (guest links, addresses, routes). Debian ships no static libmnl,
 * and the agent is linked statically, so this is the few helpers both need.
 */
#ifndef KATA_NETLINK_H
#define KATA_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define NL_MSG_MAX 4096

/* One request being built: the netlink header, the family header, then attributes. */
struct nl_msg {
	_Alignas(struct nlmsghdr) char buf[NL_MSG_MAX]; /* starts with the struct nlmsghdr */
	bool overflow; /* an attribute did not fit: nl_request refuses the message */
};

/* Opens a NETLINK_ROUTE socket (O_CLOEXEC) in the caller's network namespace; -errno. */
int nl_open(void);

/* Starts a message of the given type and flags (NLM_F_REQUEST is added) with a copy of the
 * family header hdr (hdr_len bytes). */
void nl_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len);

/* Appends an attribute; sets m->overflow when it does not fit. */
void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
void nl_put_str(struct nl_msg *m, uint16_t type, const char *s);

/* Opens a nested attribute; nl_nest_end closes it (its length covers what was added). */
struct rtattr *nl_nest_start(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct rtattr *nest);

/* The family header of a received message. */
static inline void *nl_data(const struct nlmsghdr *h)
{
	return NLMSG_DATA(h);
}

/* Sends m with NLM_F_ACK and waits for the kernel's answer: 0 or the kernel's -errno. */
int nl_request(int fd, struct nl_msg *m);

/* Sends a dump request and calls cb for each message of the answer; a negative return of cb
 * stops the dump (its value is returned after the rest is drained). */
int nl_dump(int fd, struct nl_msg *m, int (*cb)(const struct nlmsghdr *h, void *arg), void *arg);

/* Indexes the attributes that follow a family header of hdr_len bytes: tb[type] for
 * type <= max (others ignored; later duplicates win). */
void nl_parse(const struct nlmsghdr *h, size_t hdr_len, const struct rtattr **tb, int max);

/* Indexes the attributes nested in attribute a. */
void nl_parse_nested(const struct rtattr *a, const struct rtattr **tb, int max);

#endif
