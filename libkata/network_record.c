/* SPDX-License-Identifier: Apache-2.0 */
/* What a killed monitor leaves: its taps go with its fds, but the ingress qdisc on the
 * client's veth stays (and would block the next VM on that namespace). The record lets delete
 * remove it. Format: the namespace path on the first line, then one veth ifindex per line. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "hypervisor.h"
#include "netlink.h"
#include "network.h"

int network_record(const struct net_sandbox *net, const char *netns_path, const char *dir,
		   struct kata_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, NET_RECORD_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cleanup_file FILE *f = fopen(tmp, "we");
	if (!f)
		return kata_fail_errno(err, errno, "writing %s", tmp);
	fprintf(f, "%s\n", netns_path);
	for (size_t i = 0; i < net->n; i++)
		if (net->ep[i].mirrored)
			fprintf(f, "%d\n", net->ep[i].ifindex);
	if (fflush(f) != 0 || rename(tmp, path) < 0)
		return kata_fail_errno(err, errno, "writing %s", path);
	return 0;
}

void network_record_remove(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, NET_RECORD_FILE);
	unlink(path);
}

void network_cleanup_record(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, NET_RECORD_FILE);
	cleanup_free char *text = NULL;
	if (read_file(path, 64 << 10, &text, NULL) < 0)
		return;
	char *save = NULL, *ns_path = strtok_r(text, "\n", &save);
	if (!ns_path)
		return;
	cleanup_close int target = open(ns_path, O_RDONLY | O_CLOEXEC);
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (target < 0 || self < 0 || setns(target, CLONE_NEWNET) < 0)
		return; /* the client removed the namespace, and the veth with it */
	cleanup_close int nl = nl_open();
	if (setns(self, CLONE_NEWNET) < 0 || nl < 0)
		return;
	for (char *line; (line = strtok_r(NULL, "\n", &save));)
		net_tc_clear(nl, atoi(line));
	/* The taps go with QEMU's last fd, but QEMU may still be dying: delete them now. A
	 * namespace serves one VM only, so its kata taps are this container's. */
	for (unsigned i = 0; i < VM_MAX_NICS; i++) {
		char tap[IFNAMSIZ];
		snprintf(tap, sizeof(tap), NET_TAP_FMT, i);
		net_link_del(nl, tap);
	}
	unlink(path);
}
