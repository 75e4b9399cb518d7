/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's settings come from the kernel command line (agent.log=, agent.channel=). */
#ifndef AGENT_CMDLINE_H
#define AGENT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

enum channel_kind { CHANNEL_AUTO, CHANNEL_SERIAL, CHANNEL_VSOCK };

struct agent_config {
	bool debug;
	enum channel_kind channel;
};

/*
 * Copies the value of `key=value` from a command line into buf; returns 1 when found, 0 when
 * absent, -ENAMETOOLONG when the value does not fit. The last occurrence wins, as in the kernel.
 */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* Fills cfg from a command line string. Unknown values of agent.* keys are reported as -EINVAL. */
int cmdline_parse_config(const char *cmdline, struct agent_config *cfg);

/* Reads /proc/cmdline into cfg (defaults when unreadable). */
int cmdline_load_config(struct agent_config *cfg);

#endif
