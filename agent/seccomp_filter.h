/* SPDX-License-Identifier: Apache-2.0 */
/* Linux.Seccomp compiled with libseccomp and loaded just before execve. */
#ifndef AGENT_SECCOMP_FILTER_H
#define AGENT_SECCOMP_FILTER_H

#include "error.h"
#include "oci.pb-c.h"

int seccomp_apply(const Grpc__LinuxSeccomp *s, struct kata_error *err);

#endif
