/* SPDX-License-Identifier: Apache-2.0 */
/* SignalProcess: one process by exec id, or every process in the container's pid namespace. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "log.h"

struct process *container_process(struct container *c, const char *exec_id)
{
	if (!exec_id || !*exec_id || strcmp(exec_id, c->id) == 0 ||
	    strcmp(exec_id, c->init->exec_id) == 0)
		return c->init;
	for (struct process *p = c->execs; p; p = p->next)
		if (strcmp(p->exec_id, exec_id) == 0)
			return p;
	return NULL;
}

/* Signals every process whose pid namespace is the container's; returns how many. */
static int signal_pidns(struct container *c, int sig)
{
	cleanup_dir DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *de;
	pid_t self = getpid();
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		char path[64];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
		if (stat(path, &st) < 0 || st.st_dev != c->pidns_dev || st.st_ino != c->pidns_ino)
			continue;
		if (kill((pid_t)pid, sig) == 0)
			n++;
		else if (errno != ESRCH)
			log_warn("kill %ld: %s", pid, strerror(errno));
	}
	return n;
}

static int signal_one(struct process *p, int sig, struct kata_error *err)
{
	/* A reaped pid may already belong to someone else: never signal it. */
	if (p->exited)
		return kata_fail(err, ESRCH, "process %s has already exited", p->exec_id);
	if (kill(p->pid, sig) < 0)
		return kata_fail_errno(err, errno, "kill process %s (pid %d)", p->exec_id, p->pid);
	return 0;
}

int container_signal(struct container *c, const char *exec_id, int sig, struct kata_error *err)
{
	if (exec_id && *exec_id) {
		struct process *p = container_process(c, exec_id);
		if (!p)
			return kata_fail(err, ENOENT, "process %s not found in container %s",
					 exec_id, c->id);
		return signal_one(p, sig, err);
	}
	log_debug("container %s: signal %d to all its processes", c->id, sig);
	if (c->own_pidns && !c->init->exited && c->pidns_ino)
		signal_pidns(c, sig);
	/* Without a pid namespace of its own, the container's processes are the ones we know. */
	if (!c->init->exited)
		kill(c->init->pid, sig);
	for (struct process *p = c->execs; p; p = p->next)
		if (!p->exited)
			kill(p->pid, sig);
	return 0;
}
