/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Waiting for a container without polling its state file: the monitor stands in for the
 * workload (it exits once the workload has exited, its status recorded and its VM stopped), so
 * a pidfd of the monitor is the container's exit event.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "error.h"
#include "fsutil.h"

/* A stopped container's event has already happened: an fd that polls readable right away
 * spares callers a separate "already stopped" path (and its race with the exit). */
static int already_exited_fd(const char *id, int *ret_fd, struct kata_error *err)
{
	int fd = eventfd(1, EFD_CLOEXEC);
	if (fd < 0)
		return kata_fail_errno(err, errno, "%s: eventfd", id);
	*ret_fd = fd;
	return 0;
}

/* The recorded monitor pid may have been reused by now: a pidfd is only trusted once the
 * process behind the pid, looked up after the pidfd was opened, still has the recorded start
 * time. The monitor held the pid from before the open until that check, so the pidfd is its. */
static int monitor_pidfd(pid_t pid, unsigned long long start, int *ret_fd)
{
	/* The raw syscall (Linux 5.3) keeps the library usable with glibc before 2.36; a pidfd
	 * is always close-on-exec. */
	cleanup_close int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	unsigned long long now;
	if (proc_start_time(pid, &now) < 0 || now != start)
		return -ESRCH;
	*ret_fd = steal_fd(fd);
	return 0;
}

int kata_container_exit_fd(const struct kata_context *ctx, const char *id, int *ret_fd,
			   struct kata_error *err)
{
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	/* While creating, the recorded pid is the creating caller's, not a monitor's yet. */
	bool creating = !strcmp(st.status, "creating");
	pid_t pid = st.pid;
	unsigned long long start = st.pid_start;
	container_state_clear(&st);
	if (creating)
		return kata_fail(err, EAGAIN, "container \"%s\" is still being created", id);
	if (pid <= 0)
		return already_exited_fd(id, ret_fd, err);
	if (start == 0)
		return kata_fail(err, ESTALE,
				 "state of container \"%s\" lacks its monitor's start time", id);

	rc = monitor_pidfd(pid, start, ret_fd);
	if (rc == -ESRCH)
		return already_exited_fd(id, ret_fd, err);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "%s: pidfd_open of monitor %d", id, (int)pid);
	return 0;
}

int kata_container_exit_status(const struct kata_context *ctx, const char *id, int *ret_status,
			       struct kata_error *err)
{
	char dir[PATH_MAX];
	struct container_state st;
	int rc = container_load(ctx, id, dir, &st, err);
	if (rc < 0)
		return rc;
	if (strcmp(st.status, "stopped") != 0)
		rc = kata_fail(err, EBUSY, "container \"%s\" has not exited: it is %s", id,
			       st.status);
	else if (st.exit_status < 0)
		/* The monitor records the status before it exits; it was killed before that. */
		rc = kata_fail(err, ENODATA,
			       "container \"%s\" stopped without recording an exit status", id);
	else
		*ret_status = st.exit_status;
	container_state_clear(&st);
	return rc;
}
