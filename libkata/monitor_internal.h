/* SPDX-License-Identifier: Apache-2.0 */
/* State shared by the monitor's files: boot (monitor.c), loop, stdio relay. */
#ifndef KATA_MONITOR_INTERNAL_H
#define KATA_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "agent_client.h"
#include "control.h"
#include "hypervisor.h"
#include "config_file.h"
#include "monitor.h"
#include "runtime_config.h"

#define GUEST_SHARED_DIR "/run/kata-containers/shared/containers"
#define STDIO_CHUNK	 (64 * 1024) /* stdin: one WriteStdin at most */
/* One ReadStdout/ReadStderr asks for up to this much: a workload that streams fills its
 * (1 MiB) pipe while a reply travels, and fewer, larger replies cost the guest less. */
#define STDIO_READ_CHUNK (1024 * 1024)

enum monitor_tag {
	TAG_AGENT = 1,
	TAG_CONTROL,
	TAG_SIGNAL,
	TAG_STDIN,
	TAG_EXEC_CONN,
	TAG_EXEC_STDIN,
	TAG_STATE_DIR,
	TAG_EVENT_SUB
};

/* Exec sessions register with epoll as data.u64 = (session number << 32) | tag; the low half
 * (data.u32 on this little-endian ABI) is the tag for every registration. */
#define MONITOR_EPOLL_DATA(no, tag) (((uint64_t)(no) << 32) | (uint32_t)(tag))

struct exec_session;

struct monitor {
	struct monitor_args *args;
	const struct kata_context *ctx;
	struct vm *vm;
	struct agent_client agent;
	int epfd;
	int sigfd;
	int control_fd;

	/* Host side of the workload's stdio: our 0/1/2, or a pty slave for a console socket. */
	int in_fd, out_fd, err_fd;
	bool terminal;
	bool in_registered, in_always_ready, in_eof, in_busy;
	bool out_eof, err_eof;
	int raw_tty_fd; /* a terminal we set raw and must restore, or -1 */
	struct termios saved_tty;

	bool started;
	int exit_status;	  /* -1 while the workload runs */
	long long drain_deadline; /* after exit, how long to wait for output EOF */
	bool vm_gone;
	bool lost;		    /* the VM or the agent went before the workload's status came */
	bool paused;		    /* the VM's vCPUs are stopped (QMP stop) */
	int statedir_fd;	    /* inotify on the state directory, or -1 */
	bool orphaned;		    /* the state directory was removed under us */
	long long console_check_at; /* monitor_console_log.c */

	struct net_sandbox *net; /* network.c: taps and tc mirroring, or NULL */

	int *event_fds; /* monitor_events.c: subscribers' pipes */
	size_t n_event_fds;

	struct exec_session *execs; /* monitor_exec.c */
	uint32_t next_exec;
};

/* monitor_network.c: runs the prestart and createRuntime hooks, then wires the spec's network
 * namespace to taps and fills cfg->nics (backed by nics[VM_MAX_NICS]). */
int monitor_prepare_network(struct monitor *m, enum config_net_model model, struct vm_nic *nics,
			    struct vm_config *cfg, struct kata_error *err);
/* Why a VM of the factory (pooled or restored from the template: no network devices, 9p,
 * virtio-serial) cannot serve this container under cfg, or NULL when it can. */
const char *monitor_factory_unusable(const struct monitor *m, const struct runtime_config *cfg);

/* monitor_loop.c */
int monitor_loop(struct monitor *m);
void monitor_forward_signal(struct monitor *m, int sig);
long long monitor_now_ms(void);

/* monitor_control.c: the control socket's requests. */
void monitor_control_accept(struct monitor *m);
int monitor_signal_workload(struct monitor *m, int sig, bool all, agent_reply_fn fn, void *data);

/* monitor_exec.c: processes started by `kata exec`, one session per control connection. */
/* The host pids standing in for running execs (each session's caller), at most max. */
size_t monitor_exec_host_pids(struct monitor *m, pid_t *out, size_t max);
void monitor_exec_begin(struct monitor *m, int conn, const struct control_request *req,
			const char *payload, int fds[CONTROL_MAX_FDS]);
void monitor_exec_on_event(struct monitor *m, uint64_t data);
/* Work that does not wait for an fd (always-ready stdin, drain deadlines); returns the epoll
 * timeout it needs (-1: none). */
int monitor_exec_tick(struct monitor *m);
/* The workload is gone: every session gets its final reply. */
void monitor_exec_shutdown(struct monitor *m);

/* monitor_events.c: keeps a GetOOMEvent call outstanding; each OOM kill goes to
 * <dir>/events and to every subscriber (CONTROL_EVENTS, whose pipe fd the call takes). */
int monitor_events_start(struct monitor *m);
void monitor_events_subscribe(struct monitor *m, int conn, int fd);
void monitor_events_on_hangup(struct monitor *m, uint64_t data);
/* The workload is gone: subscribers see EOF. */
void monitor_events_shutdown(struct monitor *m);

/* monitor_statedir.c: an inotify fd watching dir (or a negative errno); whether dir was
 * removed or moved away: from fd's pending events, or with fd < 0 from stat. */
int monitor_statedir_watch(const char *dir);
bool monitor_statedir_gone(int fd, const char *dir);

/* monitor_console_log.c: bounds console.log; returns the ms until its next check. */
int monitor_console_log_tick(struct monitor *m);
/* The guest's last words in dir/console.log (a panic, a power-off; else its last line), or
 * "" if it wrote nothing; control characters replaced. */
void monitor_console_reason(const char *dir, char *buf, size_t len);

/* monitor_bootlog.c: with debug on, logs the last lines of the VM's console, QEMU and
 * virtiofsd logs, before a failed boot's state directory goes. */
void monitor_log_boot_failure(struct monitor *m);

/* monitor_stdio.c */
int monitor_stdio_setup(struct monitor *m, struct kata_error *err);
int monitor_stdio_start_output(struct monitor *m);
void monitor_stdio_on_start(struct monitor *m);
void monitor_stdio_on_stdin(struct monitor *m);
void monitor_stdio_resize(struct monitor *m);
void monitor_stdio_restore(struct monitor *m);

#endif
