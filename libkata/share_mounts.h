/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host files and directories a container bind-mounts, shared into the guest the way Kata does:
 * each source is bind-mounted under the VM's 9p share (<dir>/shared/<id>/mounts/<n>-<name>) in
 * the monitor's private mount namespace, and the spec mount's source is rewritten to the path
 * the guest sees (/run/kata-containers/shared/containers/<id>/mounts/<n>-<name>).
 */
#ifndef KATA_SHARE_MOUNTS_H
#define KATA_SHARE_MOUNTS_H

#include "kata.h"
#include "oci.pb-c.h"

/* Must run in the monitor's private mount namespace (after share_rootfs). */
int share_mounts(const char *dir, const char *id, Grpc__Spec *spec, struct kata_error *err);

#endif
