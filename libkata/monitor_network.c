/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's steps before QEMU starts: the host-side create hooks, then the network. */
#include "monitor_internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "factory.h"
#include "hooks.h"
#include "log.h"
#include "network.h"
#include "oci_spec.h"

const char *monitor_factory_unusable(const struct monitor *m, const struct runtime_config *cfg)
{
	const struct oci_spec *spec = m->args->spec;
	if (hooks_have(spec->hooks_json, HOOK_PRESTART) ||
	    hooks_have(spec->hooks_json, HOOK_CREATE_RUNTIME))
		return "create hooks may add network interfaces a pooled or restored VM has no "
		       "device for";
	const char *netns = NULL;
	struct kata_error ignored = {0};
	if (cfg->net_model != CONFIG_NET_NONE &&
	    network_check_spec(spec->spec, &netns, &ignored) == 0 && netns)
		return "the spec's network namespace may hold interfaces a pooled or restored VM "
		       "has no device for";
	return factory_unsupported(cfg);
}

/* prestart then createRuntime (runc's order), with the monitor as the state's pid: it stands
 * in for the workload, and its network namespace is the one passed to the guest. */
static int run_create_hooks(struct monitor *m, struct kata_error *err)
{
	const struct oci_spec *spec = m->args->spec;
	cleanup_free char *state = NULL;
	int rc = hooks_state_json(m->args->id, "creating", getpid(), spec->bundle,
				  spec->annotations_json, &state, err);
	if (rc < 0 ||
	    (rc = hooks_run(spec->hooks_json, HOOK_PRESTART, state, spec->bundle, err)) < 0 ||
	    (rc = hooks_run(spec->hooks_json, HOOK_CREATE_RUNTIME, state, spec->bundle, err)) < 0)
		return rc;
	return 0;
}

int monitor_prepare_network(struct monitor *m, enum config_net_model model, struct vm_nic *nics,
			    struct vm_config *cfg, struct kata_error *err)
{
	const struct oci_spec *spec = m->args->spec;
	const char *netns = NULL;
	int rc = network_check_spec(spec->spec, &netns, err);
	if (rc < 0)
		return rc;
	bool hooks = hooks_have(spec->hooks_json, HOOK_PRESTART) ||
		     hooks_have(spec->hooks_json, HOOK_CREATE_RUNTIME);
	if (hooks) {
		/* A new network namespace that a hook may fill (docker's libnetwork-setkey joins
		 * /proc/<pid>/ns/net): ours, so that the host's is never touched. */
		if (!netns) {
			if (unshare(CLONE_NEWNET) < 0)
				return kata_fail_errno(err, errno, "unshare network namespace");
			netns = "/proc/self/ns/net";
		}
		if ((rc = run_create_hooks(m, err)) < 0)
			return rc;
	}
	/* internetworking_model "none": the guest keeps loopback only. */
	if (!netns || model == CONFIG_NET_NONE || (rc = network_setup(netns, &m->net, err)) < 0 ||
	    !m->net)
		return rc;
	for (size_t i = 0; i < m->net->n && i < VM_MAX_NICS; i++) {
		nics[i].tap_fd = m->net->ep[i].tap_fd;
		memcpy(nics[i].mac, m->net->ep[i].mac, sizeof(nics[i].mac));
		cfg->n_nics++;
	}
	cfg->nics = nics;
	/* A namespace the monitor does not own outlives it: record what to undo. */
	if (strcmp(netns, "/proc/self/ns/net") != 0 &&
	    (rc = network_record(m->net, netns, m->args->dir, err)) < 0)
		return rc;
	kata_debug(m->ctx, "%s: network: %zu interface(s) from %s", m->args->id, m->net->n, netns);
	return 0;
}
