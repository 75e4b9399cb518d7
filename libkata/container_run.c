/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "log.h"

static volatile pid_t forward_to;

static void forward_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

/* The monitor runs in its own session: terminal signals reach only us and are passed on. */
static void install_forwarding(pid_t monitor, struct sigaction *saved, const int *sigs, size_t n)
{
	forward_to = monitor;
	struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &sa, &saved[i]);
}

static void restore_signals(struct sigaction *saved, const int *sigs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &saved[i], NULL);
	forward_to = 0;
}

int kata_container_run(const struct kata_context *ctx, const char *id,
		       const struct kata_create_options *opts, int *ret_status,
		       struct kata_error *err)
{
	if (opts->detach) {
		int rc = container_create(ctx, id, opts, false, NULL, err);
		if (rc < 0)
			return rc;
		rc = kata_container_start(ctx, id, err);
		if (rc < 0)
			kata_container_delete(ctx, id, true, NULL);
		if (ret_status)
			*ret_status = 0;
		return rc;
	}

	pid_t monitor;
	int rc = container_create(ctx, id, opts, true, &monitor, err);
	if (rc < 0)
		return rc;
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct sigaction saved[sizeof(sigs) / sizeof(*sigs)];
	install_forwarding(monitor, saved, sigs, sizeof(sigs) / sizeof(*sigs));

	rc = kata_container_start(ctx, id, err);
	if (rc < 0) {
		kill(monitor, SIGKILL);
		waitpid(monitor, NULL, 0);
		restore_signals(saved, sigs, sizeof(sigs) / sizeof(*sigs));
		kata_container_delete(ctx, id, true, NULL);
		return rc;
	}
	int wstatus = 0;
	while (waitpid(monitor, &wstatus, 0) < 0 && errno == EINTR)
		;
	restore_signals(saved, sigs, sizeof(sigs) / sizeof(*sigs));
	int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	kata_debug(ctx, "%s: exited with status %d", id, status);
	rc = kata_container_delete(ctx, id, true, err);
	if (ret_status)
		*ret_status = status;
	return rc;
}
