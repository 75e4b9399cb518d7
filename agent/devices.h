/* SPDX-License-Identifier: Apache-2.0 */
/* The container's /dev: default and spec device nodes and the standard symlinks. */
#ifndef AGENT_DEVICES_H
#define AGENT_DEVICES_H

#include "error.h"
#include "oci.pb-c.h"

/* Creates null, zero, full, random, urandom, tty and the spec's Linux.Devices below rootfd. */
int devices_create(int rootfd, const Grpc__Linux *linux_spec, struct kata_error *err);

/* fd, stdin, stdout, stderr, ptmx (and core when the guest has /proc/kcore). */
int devices_create_symlinks(int rootfd, struct kata_error *err);

#endif
