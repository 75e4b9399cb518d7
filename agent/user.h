/* SPDX-License-Identifier: Apache-2.0 */
/* Switching to the spec's Process.User inside the container. */
#ifndef AGENT_USER_H
#define AGENT_USER_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "oci.pb-c.h"

/* setgroups(AdditionalGids), setgid, setuid; capabilities survive (PR_SET_KEEPCAPS). */
int user_switch(const Grpc__User *user, struct kata_error *err);

/* The home directory of uid in the container's /etc/passwd into buf, or "/" when not listed. */
void user_home(uid_t uid, char *buf, size_t size);

#endif
