/* SPDX-License-Identifier: Apache-2.0 */
/* The guest's network links, addresses and routes, set over rtnetlink as the host asks. */
#ifndef AGENT_NETIF_H
#define AGENT_NETIF_H

#include "error.h"
#include "types.pb-c.h"

/* Brings the loopback link up (as runc does in a new network namespace). */
int netif_loopback_up(struct kata_error *err);

/* Finds the link whose MAC is in->hwaddr, gives it in's name and MTU, adds its addresses and
 * sets it up. */
int netif_update(const Types__Interface *in, struct kata_error *err);

/* Adds one route (an existing identical route is kept). */
int netif_add_route(const Types__Route *r, struct kata_error *err);

#endif
