/* SPDX-License-Identifier: Apache-2.0 */
/* Linux.Namespaces to clone flags, with the agent's policy for each kind. */
#ifndef AGENT_NAMESPACES_H
#define AGENT_NAMESPACES_H

#include "error.h"
#include "oci.pb-c.h"

/*
 * Returns the CLONE_NEW* flags for a container init (always including CLONE_NEWNS), or
 * -errno with err set: joining existing namespaces by path is not supported; a network
 * namespace is not created (containers share the guest's, as in Kata). A user namespace
 * (CLONE_NEWUSER) needs the spec's uid and gid mappings, which process_spawn writes.
 */
int namespaces_clone_flags(const Grpc__Linux *linux_spec, struct kata_error *err);

#endif
