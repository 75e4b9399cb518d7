/* SPDX-License-Identifier: Apache-2.0 */
#include "namespaces.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "log.h"

static const struct {
	const char *type;
	int flag;
} kinds[] = {
    {"mount", CLONE_NEWNS},  {"pid", CLONE_NEWPID},	  {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},   {"cgroup", CLONE_NEWCGROUP}, {"network", CLONE_NEWNET},
    {"user", CLONE_NEWUSER},
};

int namespaces_clone_flags(const Grpc__Linux *l, struct kata_error *err)
{
	/* The rootfs setup and pivot_root must never touch the agent's mount namespace. */
	int flags = CLONE_NEWNS;
	for (size_t i = 0; l && i < l->n_namespaces; i++) {
		const Grpc__LinuxNamespace *ns = l->namespaces[i];
		const char *type = ns->type ? ns->type : "";
		int flag = 0;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strcmp(kinds[k].type, type) == 0)
				flag = kinds[k].flag;
		if (!flag)
			return kata_fail(err, EINVAL, "unknown namespace type \"%s\"", type);
		if (flag == CLONE_NEWNET) {
			/* The VM is the network sandbox: containers use the guest's interfaces. */
			log_debug("network namespace: keeping the guest's");
			continue;
		}
		if (ns->path && *ns->path)
			return kata_fail(err, ENOTSUP,
					 "joining an existing %s namespace (%s) is not supported",
					 type, ns->path);
		flags |= flag;
	}
	/* The parent writes the id maps of a new user namespace before the child goes on;
	 * without any the child would be nobody, with no way to become root inside. */
	if ((flags & CLONE_NEWUSER) && (!l->n_uidmappings || !l->n_gidmappings))
		return kata_fail(err, EINVAL,
				 "a user namespace needs linux.uidMappings and linux.gidMappings");
	return flags;
}
