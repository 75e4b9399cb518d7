/* SPDX-License-Identifier: Apache-2.0 */
/* Guest memory settings that let the host reclaim an idle guest's free memory. */
#ifndef AGENT_MEMORY_TUNE_H
#define AGENT_MEMORY_TUNE_H

/* Lowers the free page reporting order (see memory_tune.c); a kernel without it is fine. */
void memory_tune_page_reporting(void);

#endif
