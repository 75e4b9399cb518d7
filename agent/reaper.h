/* SPDX-License-Identifier: Apache-2.0 */
/* PID 1 reaps every child: SIGCHLD arrives on a signalfd, statuses go to the containers. */
#ifndef AGENT_REAPER_H
#define AGENT_REAPER_H

/* Blocks SIGCHLD and starts watching it. */
int reaper_init(void);

#endif
