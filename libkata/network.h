/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container networking, Kata's "tcfilter" model: the client (podman/netavark, docker, a
 * script) creates a network namespace with a veth in it and names it in the spec. For each
 * such interface the monitor creates a tap in that namespace, mirrors traffic veth <-> tap
 * with tc (ingress qdisc, u32 match-all, mirred redirect), hands the tap to QEMU as a
 * virtio-net device with the veth's MAC, and has the agent give the guest interface the
 * veth's name, addresses, MTU and routes.
 */
#ifndef KATA_NETWORK_H
#define KATA_NETWORK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent_client.h"
#include "agent.pb-c.h"
#include "kata.h"
#include "oci.pb-c.h"

#define NET_MAX_ENDPOINTS 8

struct net_endpoint {
	char name[IF_NAMESIZE]; /* the veth in the client's namespace (and the guest's name) */
	int ifindex;
	unsigned char mac[6];
	unsigned mtu;
	char tap_name[IF_NAMESIZE];
	int tap_ifindex;
	int tap_fd;		 /* QEMU's copy is made at spawn; ours closes at teardown */
	bool mirrored;		 /* we added the veth's ingress qdisc: teardown removes only ours */
	Types__Interface *iface; /* addresses as the agent receives them */
};

struct net_sandbox {
	int nl_fd; /* rtnetlink socket bound in the client's namespace */
	size_t n;
	struct net_endpoint ep[NET_MAX_ENDPOINTS];
	Grpc__Routes *routes;
};

/* Refuses a spec the VM cannot honour: no network namespace means host networking, which
 * cannot be shared with a VM. Sets *ret_netns_path to the namespace to join, or NULL for a new
 * empty one (the guest then has only loopback). */
int network_check_spec(const Grpc__Spec *spec, const char **ret_netns_path, struct kata_error *err);

/* Reads the interfaces, addresses and routes of the namespace at netns_path, creates a tap
 * per interface and the tc mirroring. *ret is NULL when the namespace has no interface to
 * pass on (only loopback). */
int network_setup(const char *netns_path, struct net_sandbox **ret, struct kata_error *err);

/* Configures the guest's interfaces and routes through the agent. */
int network_configure_guest(struct agent_client *agent, const struct net_sandbox *net,
			    struct kata_error *err);

/* Removes the tc mirroring and the taps; accepts NULL and returns NULL. */
struct net_sandbox *network_teardown(struct net_sandbox *net);

/* Writes dir/NET_RECORD_FILE naming the namespace and the veths whose qdisc we added, so that
 * delete can undo them if the monitor dies without network_teardown. */
int network_record(const struct net_sandbox *net, const char *netns_path, const char *dir,
		   struct kata_error *err);

/* Removes a record after a clean teardown. */
void network_record_remove(const char *dir);

/* Undoes what a record in dir names (a monitor that was killed): removes those qdiscs. */
void network_cleanup_record(const char *dir);

#define NET_RECORD_FILE "network-cleanup"

/* Internal (network_tc.c): a tap named name (O_CLOEXEC fd) in the caller's namespace. */
int net_tap_open(const char *name, int *ret_fd, struct kata_error *err);
/* Internal: link mtu and up; ingress qdisc + redirect of all ingress traffic from -> to. */
int net_link_set(int nl_fd, int ifindex, unsigned mtu, struct kata_error *err);
int net_tc_redirect(int nl_fd, int from_ifindex, int to_ifindex, bool *ret_qdisc_added,
		    struct kata_error *err);
/* Internal: deletes the ingress qdisc (and so its filters) of ifindex. */
void net_tc_clear(int nl_fd, int ifindex);
/* The name of a container's i-th tap, inside the client's namespace. */
#define NET_TAP_FMT "tap%u_kata"

/* Deletes the link called name, if there is one (errors ignored: cleanup). */
void net_link_del(int nl_fd, const char *name);

#endif
