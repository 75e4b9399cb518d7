/* SPDX-License-Identifier: Apache-2.0 */
/* The host side of one endpoint: the tap QEMU uses, and tc redirecting veth <-> tap. Built
 * as netlink messages (what `tc qdisc add dev X ingress` and `tc filter add dev X parent
 * ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev Y` send), so no
 * tc/ip binary is needed. u32 rather than matchall: some host kernels lack cls_matchall. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "netlink.h"
#include "network.h"

int net_tap_open(const char *name, int *ret_fd, struct kata_error *err)
{
	cleanup_close int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return kata_fail_errno(err, errno, "network: open /dev/net/tun");
	struct ifreq ifr = {0};
	/* Not persistent: the tap goes away with the last fd (ours and QEMU's). */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return kata_fail_errno(err, errno, "network: creating tap %s", name);
	*ret_fd = steal_fd(fd);
	return 0;
}

int net_link_set(int nl_fd, int ifindex, unsigned mtu, struct kata_error *err)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
				.ifi_index = ifindex,
				.ifi_flags = IFF_UP,
				.ifi_change = IFF_UP};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (mtu)
		nl_put_u32(&m, IFLA_MTU, mtu);
	int rc = nl_request(nl_fd, &m);
	return rc < 0 ? kata_fail_errno(err, -rc, "network: setting up link %d", ifindex) : 0;
}

static int add_ingress_qdisc(int nl_fd, int ifindex)
{
	struct tcmsg t = {.tcm_family = AF_UNSPEC,
			  .tcm_ifindex = ifindex,
			  .tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0),
			  .tcm_parent = TC_H_INGRESS};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &t, sizeof(t));
	nl_put_str(&m, TCA_KIND, "ingress");
	return nl_request(nl_fd, &m);
}

static int add_redirect_filter(int nl_fd, int from, int to)
{
	struct tcmsg t = {.tcm_family = AF_UNSPEC,
			  .tcm_ifindex = from,
			  .tcm_parent = TC_H_MAKE(TC_H_INGRESS, 0),
			  .tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL))};
	struct nl_msg m;
	nl_msg_init(&m, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &t, sizeof(t));
	nl_put_str(&m, TCA_KIND, "u32");
	struct rtattr *opts = nl_nest_start(&m, TCA_OPTIONS);
	/* One key with mask 0: every packet matches. (tc_u32_sel ends in a flexible array.) */
	_Alignas(struct tc_u32_sel) unsigned char
	    sel[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)] = {0};
	((struct tc_u32_sel *)sel)->flags = TC_U32_TERMINAL;
	((struct tc_u32_sel *)sel)->nkeys = 1;
	nl_put(&m, TCA_U32_SEL, sel, sizeof(sel));
	struct rtattr *acts = nl_nest_start(&m, TCA_U32_ACT);
	struct rtattr *act = nl_nest_start(&m, 1);
	nl_put_str(&m, TCA_ACT_KIND, "mirred");
	struct rtattr *aopts = nl_nest_start(&m, TCA_ACT_OPTIONS);
	struct tc_mirred p = {
	    .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = (__u32)to};
	nl_put(&m, TCA_MIRRED_PARMS, &p, sizeof(p));
	nl_nest_end(&m, aopts);
	nl_nest_end(&m, act);
	nl_nest_end(&m, acts);
	nl_nest_end(&m, opts);
	return nl_request(nl_fd, &m);
}

int net_tc_redirect(int nl_fd, int from_ifindex, int to_ifindex, bool *ret_qdisc_added,
		    struct kata_error *err)
{
	int rc = add_ingress_qdisc(nl_fd, from_ifindex);
	*ret_qdisc_added = rc >= 0;
	if (rc < 0)
		return kata_fail_errno(err, -rc, "network: adding an ingress qdisc to link %d",
				       from_ifindex);
	rc = add_redirect_filter(nl_fd, from_ifindex, to_ifindex);
	if (rc < 0)
		return kata_fail_errno(err, -rc,
				       "network: tc redirect from link %d to link %d (the host "
				       "kernel needs cls_u32 and act_mirred)",
				       from_ifindex, to_ifindex);
	return 0;
}

void net_tc_clear(int nl_fd, int ifindex)
{
	struct tcmsg t = {.tcm_family = AF_UNSPEC,
			  .tcm_ifindex = ifindex,
			  .tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0),
			  .tcm_parent = TC_H_INGRESS};
	struct nl_msg m;
	nl_msg_init(&m, RTM_DELQDISC, 0, &t, sizeof(t));
	(void)nl_request(nl_fd, &m);
}

void net_link_del(int nl_fd, const char *name)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg m;
	nl_msg_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nl_put_str(&m, IFLA_IFNAME, name);
	(void)nl_request(nl_fd, &m);
}
