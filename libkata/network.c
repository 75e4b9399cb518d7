/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the client's network namespace and wiring each interface to a tap for QEMU. */
#include "network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "netlink.h"

int network_check_spec(const Grpc__Spec *spec, const char **ret_netns_path, struct kata_error *err)
{
	const Grpc__Linux *lx = spec->linux;
	for (size_t i = 0; lx && i < lx->n_namespaces; i++) {
		const Grpc__LinuxNamespace *ns = lx->namespaces[i];
		if (!ns->type || strcmp(ns->type, "network") != 0)
			continue;
		*ret_netns_path = ns->path && *ns->path ? ns->path : NULL;
		/* Our own namespace named by path is host networking too: mirroring its links
		 * would divert the host's traffic into the VM. */
		struct stat a, b;
		if (*ret_netns_path && stat(*ret_netns_path, &a) == 0 &&
		    stat("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return kata_fail(
			    err, ENOTSUP,
			    "host networking is not supported: the network namespace "
			    "\"%s\" is the host's, and the host's interfaces cannot be "
			    "shared with a VM",
			    *ret_netns_path);
		return 0;
	}
	return kata_fail(err, ENOTSUP,
			 "host networking is not supported: linux.namespaces has no network "
			 "namespace, and the host's interfaces cannot be shared with a VM");
}

static Types__IPAddress *new_address(int family, const void *addr, unsigned prefix)
{
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, text, sizeof(text)))
		return NULL;
	Types__IPAddress *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	types__ipaddress__init(a);
	a->family = family == AF_INET6 ? TYPES__IPFAMILY__v6 : TYPES__IPFAMILY__v4;
	/* Kata's mask is the prefix length. */
	if (!(a->address = strdup(text)) || asprintf(&a->mask, "%u", prefix) < 0) {
		free(a->address);
		free(a);
		return NULL;
	}
	return a;
}

static void free_interface(Types__Interface *iface)
{
	if (!iface)
		return;
	for (size_t i = 0; i < iface->n_ipaddresses; i++) {
		free(iface->ipaddresses[i]->address);
		free(iface->ipaddresses[i]->mask);
		free(iface->ipaddresses[i]);
	}
	free(iface->ipaddresses);
	free(iface->name);
	free(iface->hwaddr);
	free(iface);
}

static void free_routes(Grpc__Routes *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_routes; i++) {
		free(r->routes[i]->dest);
		free(r->routes[i]->gateway);
		free(r->routes[i]->device);
		free(r->routes[i]->source);
		free(r->routes[i]);
	}
	free(r->routes);
	free(r);
}

static struct net_endpoint *endpoint_by_index(struct net_sandbox *net, int ifindex)
{
	for (size_t i = 0; i < net->n; i++)
		if (net->ep[i].ifindex == ifindex)
			return &net->ep[i];
	return NULL;
}

static int on_link(const struct nlmsghdr *h, void *arg)
{
	struct net_sandbox *net = arg;
	const struct ifinfomsg *ifi = nl_data(h);
	const struct rtattr *tb[IFLA_MAX + 1];
	nl_parse(h, sizeof(*ifi), tb, IFLA_MAX);
	/* Ethernet links only: loopback stays the guest's own. */
	if (ifi->ifi_type != ARPHRD_ETHER || (ifi->ifi_flags & IFF_LOOPBACK) || !tb[IFLA_IFNAME] ||
	    !tb[IFLA_ADDRESS] || RTA_PAYLOAD(tb[IFLA_ADDRESS]) != 6)
		return 0;
	if (net->n == NET_MAX_ENDPOINTS)
		return -E2BIG;
	struct net_endpoint *ep = &net->ep[net->n];
	snprintf(ep->name, sizeof(ep->name), "%s", (const char *)RTA_DATA(tb[IFLA_IFNAME]));
	/* A tap of ours left by a monitor that died: never passed on. */
	if (strstr(ep->name, "_kata"))
		return 0;
	ep->ifindex = ifi->ifi_index;
	memcpy(ep->mac, RTA_DATA(tb[IFLA_ADDRESS]), 6);
	ep->mtu = tb[IFLA_MTU] ? *(const unsigned *)RTA_DATA(tb[IFLA_MTU]) : 1500;
	ep->tap_fd = -1;
	ep->iface = calloc(1, sizeof(*ep->iface));
	if (!ep->iface)
		return -ENOMEM;
	types__interface__init(ep->iface);
	net->n++;
	Types__Interface *in = ep->iface;
	in->mtu = ep->mtu;
	const unsigned char *m = ep->mac;
	if (!(in->name = strdup(ep->name)) || asprintf(&in->hwaddr, "%02x:%02x:%02x:%02x:%02x:%02x",
						       m[0], m[1], m[2], m[3], m[4], m[5]) < 0)
		return in->hwaddr = NULL, -ENOMEM;
	return 0;
}

static int on_addr(const struct nlmsghdr *h, void *arg)
{
	struct net_sandbox *net = arg;
	const struct ifaddrmsg *ifa = nl_data(h);
	struct net_endpoint *ep = endpoint_by_index(net, (int)ifa->ifa_index);
	/* IPv6 link-local addresses are made by the guest kernel from the same MAC. */
	if (!ep || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    ifa->ifa_scope == RT_SCOPE_LINK)
		return 0;
	const struct rtattr *tb[IFA_MAX + 1];
	nl_parse(h, sizeof(*ifa), tb, IFA_MAX);
	const struct rtattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return 0;
	Types__Interface *in = ep->iface;
	Types__IPAddress **grown =
	    realloc(in->ipaddresses, (in->n_ipaddresses + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	in->ipaddresses = grown;
	Types__IPAddress *ip = new_address(ifa->ifa_family, RTA_DATA(a), ifa->ifa_prefixlen);
	if (!ip)
		return -ENOMEM;
	in->ipaddresses[in->n_ipaddresses++] = ip;
	return 0;
}

static char *addr_text(int family, const struct rtattr *a, unsigned prefix, bool with_prefix)
{
	char text[INET6_ADDRSTRLEN];
	char *out = NULL;
	if (!a)
		return strdup("");
	if (!inet_ntop(family, RTA_DATA(a), text, sizeof(text)))
		return NULL;
	if (with_prefix ? asprintf(&out, "%s/%u", text, prefix) < 0 : !(out = strdup(text)))
		return NULL;
	return out;
}

static int on_route(const struct nlmsghdr *h, void *arg)
{
	struct net_sandbox *net = arg;
	const struct rtmsg *rt = nl_data(h);
	const struct rtattr *tb[RTA_MAX + 1];
	nl_parse(h, sizeof(*rt), tb, RTA_MAX);
	unsigned table = tb[RTA_TABLE] ? *(const unsigned *)RTA_DATA(tb[RTA_TABLE]) : rt->rtm_table;
	/* The subnet routes of the addresses (proto kernel) the guest kernel makes itself. */
	if (table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST ||
	    rt->rtm_protocol == RTPROT_KERNEL || !tb[RTA_OIF])
		return 0;
	struct net_endpoint *ep = endpoint_by_index(net, *(const int *)RTA_DATA(tb[RTA_OIF]));
	if (!ep)
		return 0;
	Grpc__Routes *r = net->routes;
	Types__Route **grown = realloc(r->routes, (r->n_routes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->routes = grown;
	Types__Route *route = calloc(1, sizeof(*route));
	if (!route)
		return -ENOMEM;
	types__route__init(route);
	r->routes[r->n_routes++] = route;
	int fam = rt->rtm_family;
	route->family = fam == AF_INET6 ? TYPES__IPFAMILY__v6 : TYPES__IPFAMILY__v4;
	route->scope = rt->rtm_scope;
	route->dest =
	    rt->rtm_dst_len ? addr_text(fam, tb[RTA_DST], rt->rtm_dst_len, true) : strdup("");
	route->gateway = addr_text(fam, tb[RTA_GATEWAY], 0, false);
	route->source = addr_text(fam, tb[RTA_PREFSRC], 0, false);
	route->device = strdup(ep->name);
	if (!route->dest || !route->gateway || !route->source || !route->device)
		return -ENOMEM;
	return 0;
}

static int read_namespace(struct net_sandbox *net, struct kata_error *err)
{
	struct nl_msg m;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	nl_msg_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	int rc = nl_dump(net->nl_fd, &m, on_link, net);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "network: listing links%s",
				       rc == -E2BIG ? " (too many interfaces)" : "");
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
	nl_msg_init(&m, RTM_GETADDR, 0, &ifa, sizeof(ifa));
	if ((rc = nl_dump(net->nl_fd, &m, on_addr, net)) < 0)
		return kata_fail_errno(err, -rc, "network: listing addresses");
	int families[] = {AF_INET, AF_INET6};
	for (size_t i = 0; i < 2; i++) {
		struct rtmsg rt = {.rtm_family = (unsigned char)families[i]};
		nl_msg_init(&m, RTM_GETROUTE, 0, &rt, sizeof(rt));
		if ((rc = nl_dump(net->nl_fd, &m, on_route, net)) < 0)
			return kata_fail_errno(err, -rc, "network: listing routes");
	}
	return 0;
}

/* Taps are created inside the namespace (a tap lives where TUNSETIFF runs). */
static int open_taps(struct net_sandbox *net, struct kata_error *err)
{
	for (size_t i = 0; i < net->n; i++) {
		struct net_endpoint *ep = &net->ep[i];
		snprintf(ep->tap_name, sizeof(ep->tap_name), NET_TAP_FMT, (unsigned)i);
		int rc = net_tap_open(ep->tap_name, &ep->tap_fd, err);
		/* Each VM wires the namespace's veths to its own taps: a second VM cannot share. */
		if (rc == -EBUSY)
			return kata_fail(err, EBUSY,
					 "network: the namespace is already used by another kata "
					 "container (%s exists): one VM per network namespace",
					 ep->tap_name);
		if (rc < 0)
			return rc;
		ep->tap_ifindex = (int)if_nametoindex(ep->tap_name);
		if (!ep->tap_ifindex)
			return kata_fail_errno(err, errno, "network: tap %s", ep->tap_name);
	}
	return 0;
}

/* Runs the namespace-bound steps inside netns_path, then returns to our own namespace. */
static int enter_and_read(const char *netns_path, struct net_sandbox *net, struct kata_error *err)
{
	cleanup_close int target = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return kata_fail_errno(err, errno, "network namespace \"%s\"", netns_path);
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return kata_fail_errno(err, errno, "open /proc/self/ns/net");
	if (setns(target, CLONE_NEWNET) < 0)
		return kata_fail_errno(err, errno, "network namespace \"%s\": setns", netns_path);
	int rc = net->nl_fd = nl_open();
	if (rc < 0)
		kata_fail_errno(err, -rc, "network: netlink socket");
	else if ((rc = read_namespace(net, err)) >= 0)
		rc = open_taps(net, err);
	if (setns(self, CLONE_NEWNET) < 0 && rc >= 0)
		rc = kata_fail_errno(err, errno, "returning to the host network namespace");
	return rc;
}

int network_setup(const char *netns_path, struct net_sandbox **ret, struct kata_error *err)
{
	*ret = NULL;
	struct net_sandbox *net = calloc(1, sizeof(*net));
	if (!net || !(net->routes = calloc(1, sizeof(*net->routes)))) {
		free(net);
		return kata_fail(err, ENOMEM, "out of memory");
	}
	grpc__routes__init(net->routes);
	net->nl_fd = -1;
	int rc = enter_and_read(netns_path, net, err);
	for (size_t i = 0; rc >= 0 && i < net->n; i++) {
		struct net_endpoint *ep = &net->ep[i];
		bool tap_qdisc;
		if ((rc = net_link_set(net->nl_fd, ep->tap_ifindex, ep->mtu, err)) < 0 ||
		    (rc = net_tc_redirect(net->nl_fd, ep->ifindex, ep->tap_ifindex, &ep->mirrored,
					  err)) < 0 ||
		    (rc = net_tc_redirect(net->nl_fd, ep->tap_ifindex, ep->ifindex, &tap_qdisc,
					  err)) < 0)
			break;
	}
	if (rc < 0) {
		network_teardown(net);
		return rc;
	}
	if (!net->n) {
		network_teardown(net);
		return 0;
	}
	*ret = net;
	return 0;
}

struct net_sandbox *network_teardown(struct net_sandbox *net)
{
	if (!net)
		return NULL;
	for (size_t i = 0; i < net->n; i++) {
		struct net_endpoint *ep = &net->ep[i];
		/* The veth belongs to the client: only our qdisc comes off it. */
		if (net->nl_fd >= 0 && ep->mirrored)
			net_tc_clear(net->nl_fd, ep->ifindex);
		if (ep->tap_fd >= 0)
			close(ep->tap_fd);
		free_interface(ep->iface);
	}
	free_routes(net->routes);
	if (net->nl_fd >= 0)
		close(net->nl_fd);
	free(net);
	return NULL;
}
