/* SPDX-License-Identifier: Apache-2.0 */
#include "netif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "netlink.h"

/* virtio-net probes at boot; give a late device a moment before calling it missing. */
#define FIND_LINK_TIMEOUT_MS 3000

struct find_link {
	unsigned char mac[6];
	int ifindex;
	char name[IF_NAMESIZE];
};

static int on_link(const struct nlmsghdr *h, void *arg)
{
	struct find_link *f = arg;
	const struct ifinfomsg *ifi = nl_data(h);
	const struct rtattr *tb[IFLA_MAX + 1];
	nl_parse(h, sizeof(*ifi), tb, IFLA_MAX);
	if (tb[IFLA_ADDRESS] && RTA_PAYLOAD(tb[IFLA_ADDRESS]) == 6 &&
	    !memcmp(RTA_DATA(tb[IFLA_ADDRESS]), f->mac, 6) && !(ifi->ifi_flags & IFF_LOOPBACK)) {
		f->ifindex = ifi->ifi_index;
		if (tb[IFLA_IFNAME])
			snprintf(f->name, sizeof(f->name), "%s",
				 (const char *)RTA_DATA(tb[IFLA_IFNAME]));
	}
	return 0;
}

static int find_by_mac(int fd, struct find_link *f)
{
	for (int waited = 0;; waited += 50) {
		struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
		struct nl_msg m;
		nl_msg_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
		int rc = nl_dump(fd, &m, on_link, f);
		if (rc < 0 || f->ifindex)
			return rc;
		if (waited >= FIND_LINK_TIMEOUT_MS)
			return -ENODEV;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static int link_set(int fd, int ifindex, const char *name, unsigned mtu, bool up)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
				.ifi_index = ifindex,
				.ifi_flags = up ? IFF_UP : 0,
				.ifi_change = IFF_UP};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (name)
		nl_put_str(&m, IFLA_IFNAME, name);
	if (mtu)
		nl_put_u32(&m, IFLA_MTU, mtu);
	return nl_request(fd, &m);
}

int netif_loopback_up(struct kata_error *err)
{
	cleanup_close int fd = nl_open();
	if (fd < 0)
		return kata_fail_errno(err, -fd, "netlink socket");
	int lo = (int)if_nametoindex("lo");
	if (!lo)
		return kata_fail_errno(err, errno, "loopback link");
	int rc = link_set(fd, lo, NULL, 0, true);
	return rc < 0 ? kata_fail_errno(err, -rc, "setting lo up") : 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char end;
	if (!s ||
	    sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -EINVAL;
		mac[i] = (unsigned char)v[i];
	}
	return 0;
}

static int family_of(Types__IPFamily f)
{
	return f == TYPES__IPFAMILY__v6 ? AF_INET6 : AF_INET;
}

static int add_address(int fd, int ifindex, const Types__IPAddress *a, struct kata_error *err)
{
	int family = family_of(a->family);
	unsigned char bin[16];
	char *end = NULL;
	unsigned long prefix = strtoul(a->mask ? a->mask : "", &end, 10);
	if (!a->address || inet_pton(family, a->address, bin) != 1 || !end || *end ||
	    end == a->mask || prefix > (family == AF_INET ? 32u : 128u))
		return kata_fail(err, EINVAL, "bad address \"%s\"/\"%s\"",
				 a->address ? a->address : "", a->mask ? a->mask : "");
	/* No duplicate address detection: the address is the veth's, already checked on its
	 * link; a tentative address could not be used for seconds. */
	struct ifaddrmsg ifa = {.ifa_family = (unsigned char)family,
				.ifa_prefixlen = (unsigned char)prefix,
				.ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0,
				.ifa_index = (unsigned)ifindex};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	size_t len = family == AF_INET ? 4 : 16;
	nl_put(&m, IFA_LOCAL, bin, len);
	nl_put(&m, IFA_ADDRESS, bin, len);
	int rc = nl_request(fd, &m);
	if (rc < 0 && rc != -EEXIST)
		return kata_fail_errno(err, -rc, "adding address %s/%lu", a->address, prefix);
	return 0;
}

int netif_update(const Types__Interface *in, struct kata_error *err)
{
	struct find_link f = {0};
	if (parse_mac(in->hwaddr, f.mac) < 0)
		return kata_fail(err, EINVAL, "interface \"%s\": bad hwAddr \"%s\"",
				 in->name ? in->name : "", in->hwaddr ? in->hwaddr : "");
	cleanup_close int fd = nl_open();
	if (fd < 0)
		return kata_fail_errno(err, -fd, "netlink socket");
	int rc = find_by_mac(fd, &f);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "no guest link with MAC %s", in->hwaddr);
	/* A link is renamed while down. */
	const char *name = in->name && *in->name && strcmp(in->name, f.name) ? in->name : NULL;
	if (name && (rc = link_set(fd, f.ifindex, NULL, 0, false)) >= 0)
		rc = link_set(fd, f.ifindex, name, 0, false);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "renaming %s to %s", f.name, in->name);
	if ((rc = link_set(fd, f.ifindex, NULL, (unsigned)in->mtu, true)) < 0)
		return kata_fail_errno(err, -rc, "setting %s up with mtu %llu", in->name,
				       (unsigned long long)in->mtu);
	for (size_t i = 0; i < in->n_ipaddresses; i++)
		if ((rc = add_address(fd, f.ifindex, in->ipaddresses[i], err)) < 0)
			return kata_error_prefix(err, rc, "interface %s", in->name);
	return 0;
}

/* "a.b.c.d/n" or "" / "default" (any destination). */
static int parse_dest(int family, const char *s, unsigned char *bin, unsigned *len)
{
	*len = 0;
	if (!s || !*s || !strcmp(s, "default"))
		return 0;
	char buf[INET6_ADDRSTRLEN + 8];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	unsigned max = family == AF_INET ? 32 : 128;
	*len = max;
	if (slash) {
		*slash = '\0';
		char *end;
		unsigned long n = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 || n > max)
			return -EINVAL;
		*len = (unsigned)n;
	}
	return inet_pton(family, buf, bin) == 1 ? 1 : -EINVAL;
}

int netif_add_route(const Types__Route *r, struct kata_error *err)
{
	int family = family_of(r->family);
	size_t alen = family == AF_INET ? 4 : 16;
	unsigned char dst[16], gw[16], src[16];
	unsigned dst_len;
	int has_dst = parse_dest(family, r->dest, dst, &dst_len);
	bool has_gw = r->gateway && *r->gateway;
	bool has_src = r->source && *r->source;
	if (has_dst < 0 || (has_gw && inet_pton(family, r->gateway, gw) != 1) ||
	    (has_src && inet_pton(family, r->source, src) != 1))
		return kata_fail(err, EINVAL,
				 "bad route (dest \"%s\", gateway \"%s\", source \"%s\")",
				 r->dest ? r->dest : "", r->gateway ? r->gateway : "",
				 r->source ? r->source : "");
	int oif = r->device && *r->device ? (int)if_nametoindex(r->device) : 0;
	if (r->device && *r->device && !oif)
		return kata_fail(err, ENODEV, "route to \"%s\": no link \"%s\"",
				 r->dest ? r->dest : "", r->device);
	struct rtmsg rt = {.rtm_family = (unsigned char)family,
			   .rtm_dst_len = (unsigned char)dst_len,
			   .rtm_table = RT_TABLE_MAIN,
			   .rtm_protocol = RTPROT_BOOT,
			   .rtm_scope = (unsigned char)r->scope,
			   .rtm_type = RTN_UNICAST};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	if (has_dst)
		nl_put(&m, RTA_DST, dst, alen);
	if (has_gw)
		nl_put(&m, RTA_GATEWAY, gw, alen);
	if (has_src)
		nl_put(&m, RTA_PREFSRC, src, alen);
	if (oif)
		nl_put_u32(&m, RTA_OIF, (uint32_t)oif);
	cleanup_close int fd = nl_open();
	if (fd < 0)
		return kata_fail_errno(err, -fd, "netlink socket");
	int rc = nl_request(fd, &m);
	if (rc < 0 && rc != -EEXIST)
		return kata_fail_errno(err, -rc, "adding route to \"%s\" via \"%s\" dev %s",
				       has_dst ? r->dest : "default", has_gw ? r->gateway : "",
				       r->device ? r->device : "");
	return 0;
}
