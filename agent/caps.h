/* SPDX-License-Identifier: Apache-2.0 */
/* Process.Capabilities with libcap: the bounding set before the user switch, the rest after. */
#ifndef AGENT_CAPS_H
#define AGENT_CAPS_H

#include "error.h"
#include "oci.pb-c.h"

/* Drops every capability not in Bounding from the bounding set. */
int caps_apply_bounding(const Grpc__LinuxCapabilities *c, struct kata_error *err);

/* Sets the effective, permitted, inheritable and ambient sets (after setuid). */
int caps_apply_sets(const Grpc__LinuxCapabilities *c, struct kata_error *err);

#endif
