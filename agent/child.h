/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child side of a container process, between clone and execve. It reports to the agent
 * through a sync socket ("ready", with the pty master of a terminal process, or why setup
 * failed), then blocks on the start pipe; the close-on-exec exec pipe carries an execve
 * failure, or EOF on success.
 */
#ifndef AGENT_CHILD_H
#define AGENT_CHILD_H

#include <stdbool.h>
#include <stdint.h>

#include "oci.pb-c.h"

/* One record on the sync socket or exec pipe; small enough for an atomic pipe write. */
struct child_report {
	int32_t code;	   /* a ttrpc status code, 0 = ready */
	int32_t exit_code; /* exec pipe: the code the child exits with (127, 126, 1) */
	char msg[1000];
};

#define CHILD_MAX_JOIN_NS 6

struct child_config {
	const Grpc__Spec *spec;	      /* container init: rootfs, mounts, hostname */
	const Grpc__Process *process; /* what to run */
	bool setup_rootfs;	      /* container init: set up and pivot into spec->root */
	bool new_uts;
	int join_ns[CHILD_MAX_JOIN_NS]; /* exec: namespace fds to setns into, -1 ends the list */
	/*
	 * In a user namespace (a new one, or the container's joined on exec): the child first
	 * waits for one byte on userns_fd, sent once the agent has written its id maps and
	 * applied what needs the agent's privileges outside it (rlimits, oom_score_adj); then it
	 * becomes root inside. userns_fd is -1 otherwise.
	 */
	bool userns;
	int userns_fd;
	const char *stage_dir; /* container init in a user ns: see container_stage_sources */
	bool terminal;
	int stdio[3]; /* child ends of the pipes, or /dev/null until the terminal exists */
	int sync_fd, start_fd, exec_fd;
};

_Noreturn void child_main(const struct child_config *cfg);

#endif
