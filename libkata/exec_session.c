/* SPDX-License-Identifier: Apache-2.0 */
#include "exec_session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "control.h"
#include "error.h"

/* How long ExecProcess may take: under TCG a busy guest is slow to fork and exec. */
#define EXEC_START_TIMEOUT_MS 60000

int exec_session_open(const char *dir, const uint8_t *process, size_t len, const int fds[3],
		      struct kata_error *err)
{
	cleanup_close int conn = control_connect(dir, err);
	if (conn < 0)
		return conn;
	struct control_request req = {.op = CONTROL_EXEC, .payload_len = (uint32_t)len};
	int rc = control_send_request(conn, &req, process, fds, 3);
	if (rc == -EMSGSIZE)
		return kata_fail(err, E2BIG, "exec: the process description is too large");
	if (rc < 0)
		return kata_fail_errno(err, -rc, "send the exec to the container's monitor");
	struct control_reply reply;
	rc = control_recv_reply(conn, EXEC_START_TIMEOUT_MS, &reply, NULL, NULL, err);
	if (rc < 0)
		return rc;
	if (reply.kind != CONTROL_REPLY_EXEC_STARTED)
		return kata_fail(err, EPROTO, "unexpected reply from the container's monitor");
	return steal_fd(conn);
}

static const int relayed[] = {SIGINT,  SIGTERM,	 SIGHUP,  SIGQUIT, SIGUSR1,
			      SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

static void forward(int conn, int sig, int tty_fd)
{
	struct control_request req = {.op = CONTROL_EXEC_SIGNAL, .signal = sig};
	if (sig == SIGWINCH) {
		struct winsize ws;
		if (tty_fd < 0 || ioctl(tty_fd, TIOCGWINSZ, &ws) < 0)
			return;
		req = (struct control_request){
		    .op = CONTROL_EXEC_RESIZE, .rows = ws.ws_row, .cols = ws.ws_col};
	}
	/* A lost signal is no worse than the monitor having gone: the exit reply tells. */
	control_send_request(conn, &req, NULL, NULL, 0);
}

void exec_session_signals(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(relayed) / sizeof(*relayed); i++)
		sigaddset(set, relayed[i]);
	sigaddset(set, EXEC_SESSION_RELAY_SIGNAL);
}

int exec_session_wait(int conn, int tty_fd, int *ret_status, struct kata_error *err)
{
	sigset_t set, saved;
	exec_session_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, &saved) < 0)
		return kata_fail_errno(err, errno, "sigprocmask");
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	int rc = 0;
	if (sfd < 0) {
		rc = kata_fail_errno(err, errno, "signalfd");
		goto out;
	}
	/* The size may have changed while the process started. */
	forward(conn, SIGWINCH, tty_fd);
	for (;;) {
		struct pollfd p[2] = {{.fd = conn, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = kata_fail_errno(err, errno, "poll");
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				if ((int)si.ssi_signo != EXEC_SESSION_RELAY_SIGNAL)
					forward(conn, (int)si.ssi_signo, tty_fd);
				else if (si.ssi_code == SI_QUEUE && si.ssi_int > 0)
					/* kata_exec_signal: any signal, SIGKILL included. */
					forward(conn, si.ssi_int, tty_fd);
		}
		if (p[0].revents) {
			struct control_reply reply;
			rc = control_recv_reply(conn, 0, &reply, NULL, NULL, err);
			if (rc < 0)
				break;
			if (reply.kind == CONTROL_REPLY_EXEC_EXITED) {
				*ret_status = reply.exit_status;
				break;
			}
		}
	}
	close(sfd);
out:
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return rc;
}
