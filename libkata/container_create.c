/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libgen.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "error.h"
#include "fsutil.h"
#include "hooks.h"
#include "log.h"
#include "monitor.h"
#include "network.h"
#include "oci_spec.h"
#include "spawn.h"

static int spawn_monitor(struct monitor_args *args, const int *stdio, bool foreground,
			 pid_t *ret_pid, struct kata_error *err)
{
	int fd;
	pid_t child = spawn_with_report_pipe(stdio, &fd, err);
	if (child < 0)
		return (int)child;
	if (child == 0) {
		setsid();
		if (!foreground) {
			/* Detach: the monitor is re-parented (to a subreaper such as conmon). */
			pid_t grandchild = fork();
			if (grandchild != 0)
				_exit(grandchild < 0);
			/* Lead a session of its own again: only a session leader can make a
			 * console socket's pty its controlling terminal, through which resizes
			 * of the master arrive as SIGWINCH. */
			setsid();
		}
		args->sync_fd = fd;
		monitor_main(args);
	}
	if (!foreground)
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	struct monitor_report r;
	int rc = spawn_read_report(fd, &r, sizeof(r));
	close(fd);
	if (rc < 0) {
		if (foreground)
			waitpid(child, NULL, 0);
		return kata_fail(err, EPIPE, "the container monitor exited before reporting");
	}
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (r.status != 0) {
		if (foreground)
			waitpid(child, NULL, 0);
		return kata_fail(err, r.status, "%s", r.msg);
	}
	*ret_pid = foreground ? child : r.pid;
	return 0;
}

/* Paths the caller named are checked before a VM boots for nothing. */
static int check_paths(const struct kata_create_options *opts, struct kata_error *err)
{
	struct stat st;
	if (opts->console_socket && *opts->console_socket) {
		if (stat(opts->console_socket, &st) < 0)
			return kata_fail_errno(err, errno, "console socket \"%s\"",
					       opts->console_socket);
		if (!S_ISSOCK(st.st_mode))
			return kata_fail(err, ENOTSOCK, "console socket \"%s\" is not a socket",
					 opts->console_socket);
	}
	if (opts->pid_file && *opts->pid_file) {
		cleanup_free char *copy = strdup(opts->pid_file);
		if (!copy)
			return kata_fail(err, ENOMEM, "out of memory");
		const char *dir = dirname(copy);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return kata_fail(err, ENOENT,
					 "pid file \"%s\": directory \"%s\" does not exist",
					 opts->pid_file, dir);
	}
	return 0;
}

int container_create(const struct kata_context *ctx, const char *id,
		     const struct kata_create_options *opts, bool foreground, pid_t *ret_monitor,
		     struct kata_error *err)
{
	int rc = kata_id_validate(id, err);
	if (rc < 0)
		return rc;
	if (opts->preserve_fds > 0)
		return kata_fail(
		    err, ENOTSUP,
		    "--preserve-fds is not supported: host fds cannot cross into the VM");
	rc = check_paths(opts, err);
	if (rc < 0)
		return rc;
	struct oci_spec *spec = NULL;
	rc = oci_spec_load(opts->bundle && *opts->bundle ? opts->bundle : ".", &spec, err);
	if (rc < 0)
		return rc;

	const char *netns = NULL;
	rc = network_check_spec(spec->spec, &netns, err);
	if (rc < 0) {
		oci_spec_free(spec);
		return rc;
	}
	cleanup_close int lock = -1;
	rc = state_create(ctx, id, &lock, err);
	if (rc < 0) {
		oci_spec_free(spec);
		return rc;
	}
	struct monitor_args args = {.ctx = ctx,
				    .id = id,
				    .spec = spec,
				    .console_socket = opts->console_socket,
				    .foreground = foreground};
	state_dir(ctx, id, args.dir, NULL);

	char now[64];
	rfc3339_now(now, sizeof(now));
	struct container_state st = {.id = (char *)id,
				     .status = "creating",
				     .pid = getpid(),
				     .bundle = spec->bundle,
				     .rootfs = spec->rootfs,
				     .created = now,
				     .annotations_json = spec->annotations_json,
				     .exit_status = -1};
	proc_start_time(st.pid, &st.pid_start);
	pid_t monitor = 0;
	rc = state_write(args.dir, &st, err);
	if (rc >= 0)
		rc = hooks_save(args.dir, spec->hooks_json, err);
	bool spawned = false;
	if (rc >= 0) {
		rc = spawn_monitor(&args, opts->stdio, foreground, &monitor, err);
		spawned = true;
	}
	if (rc >= 0 && opts->pid_file && *opts->pid_file)
		rc = write_pid_file(opts->pid_file, monitor, err);
	if (rc < 0) {
		if (monitor > 0) {
			kill(monitor, SIGKILL);
			if (foreground)
				waitpid(monitor, NULL, 0);
		}
		rm_rf(args.dir);
		/* A failed create goes on to delete, whose poststop hooks run (runtime-spec). */
		if (spawned)
			container_poststop(ctx, id, spec->hooks_json, spec->bundle,
					   spec->annotations_json);
		oci_spec_free(spec);
		return rc;
	}
	oci_spec_free(spec);
	kata_debug(ctx, "%s: created, monitor pid %d", id, (int)monitor);
	if (ret_monitor)
		*ret_monitor = monitor;
	return 0;
}

int kata_container_create(const struct kata_context *ctx, const char *id,
			  const struct kata_create_options *opts, struct kata_error *err)
{
	return container_create(ctx, id, opts, false, NULL, err);
}
