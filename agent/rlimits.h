/* SPDX-License-Identifier: Apache-2.0 */
/* Process.Rlimits ("RLIMIT_NOFILE", ...) applied with setrlimit. */
#ifndef AGENT_RLIMITS_H
#define AGENT_RLIMITS_H

#include "error.h"
#include "oci.pb-c.h"

/* The RLIMIT_* resource for a name, or -1. */
int rlimit_from_name(const char *name);

int rlimits_apply(const Grpc__Process *p, struct kata_error *err);

#endif
