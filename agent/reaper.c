/* SPDX-License-Identifier: Apache-2.0 */
#include "reaper.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "loop.h"

static struct watch sigchld_w = {.fd = -1};

static void reap_all(struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;
	/* Signals coalesce: drain the fd, then reap until nothing is left. */
	while (read(w->fd, &si, sizeof(si)) == sizeof(si))
		;
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0) {
			if (pid < 0 && errno == EINTR)
				continue;
			return;
		}
		containers_child_exited(pid, st);
	}
}

int reaper_init(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	sigchld_w.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigchld_w.fd < 0)
		return -errno;
	sigchld_w.fn = reap_all;
	int rc = loop_watch(&sigchld_w, EPOLLIN);
	if (rc < 0)
		return rc;
	/* Children that exited before the signalfd existed. */
	reap_all(&sigchld_w, EPOLLIN);
	return 0;
}
