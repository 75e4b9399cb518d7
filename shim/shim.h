/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd-shim-kata-v2: containerd's shim v2 for kata, built on libkata (kata.h only).
 * One shim daemon per task, one VM per task. The daemon is a single-threaded epoll loop that
 * serves containerd.task.v2.Task over ttrpc; the calls that boot or reach the VM block it
 * while they run, which containerd tolerates (it serialises its calls per task anyway).
 *
 * libkata forks the per-container monitor (and exec stand-ins) from this process. That is
 * safe here: the daemon has one thread, and the fork keeps only the chosen stdio and a report
 * pipe (no socket or epoll fd of ours leaks into it). The monitor double-forks; as child
 * subreaper the daemon becomes its parent again and reaps it, while its exit is read from
 * kata_container_exit_fd (a pidfd) and the status from kata_container_exit_status.
 */
#ifndef KATA_SHIM_H
#define KATA_SHIM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "kata.h"

/* What containerd tells every invocation of the binary. */
struct shim_flags {
	const char *namespace;
	const char *address;	    /* containerd's grpc socket */
	const char *publish_binary; /* unused: 1.6 shims forward events over ttrpc */
	const char *id;
	const char *bundle; /* default: the working directory */
	const char *ttrpc_address;
	bool debug;
};

enum proc_status { PROC_CREATED = 1, PROC_RUNNING = 2, PROC_STOPPED = 3, PROC_PAUSED = 4 };

struct shim_conn;

/* A Wait call answered once its process exits. */
struct waiter {
	struct waiter *next;
	struct shim_conn *conn;
	uint32_t stream_id;
};

/* The task's init process (the container) or one exec'ed process. */
struct proc {
	struct proc *next;
	char *exec_id; /* NULL for the init process */
	pid_t pid;     /* init: the monitor; exec: libkata's stand-in (our child) */
	enum proc_status status;
	int exit_status;
	struct timespec exited_at;
	bool terminal;
	char *stdin_path, *stdout_path, *stderr_path;
	char *spec_path; /* exec: the process.json written from the request */
	struct waiter *waiters;
	struct tty_relay *tty; /* terminal: the pty master relayed to the fifos */
};

struct shim {
	struct shim_flags flags;
	struct kata_context ctx;
	char root[PATH_MAX];
	char bundle[PATH_MAX];
	char socket_path[108];
	int epfd, listen_fd, sigfd, exit_fd;
	int events_fd; /* oom.c: kata_container_events_fd, or -1 */
	char events_buf[1024];
	size_t events_len;
	bool task_created;
	bool rootfs_mounted;
	bool shutdown;
	struct proc *procs; /* the init process first, once created */
	struct shim_conn *conns;
};

/* Epoll registrations carry a pointer to one of these. */
enum watch_kind { WATCH_LISTEN, WATCH_CONN, WATCH_SIGNAL, WATCH_EXIT, WATCH_TTY, WATCH_EVENTS };
struct watch {
	enum watch_kind kind;
	void *ptr;
};

/* main.c */
void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int shim_root(const struct shim_flags *f, char *buf, size_t len);

/* bootstrap.c: the `start` and `delete` sub-commands. */
int shim_cmd_start(const struct shim_flags *f);
int shim_cmd_delete(const struct shim_flags *f);
int shim_socket_path(const struct shim_flags *f, char *buf, size_t len);

/* server.c: the ttrpc server. */
int server_run(struct shim *s);
int server_reply(struct shim_conn *c, uint32_t stream_id, int code, const char *msg,
		 const void *proto_msg);
bool server_conn_alive(struct shim *s, struct shim_conn *c);

/* task.c: containerd.task.v2.Task. */
void task_dispatch(struct shim *s, struct shim_conn *c, uint32_t stream_id, const char *method,
		   const uint8_t *payload, size_t len);
void task_on_init_exit(struct shim *s);
void task_on_child_exit(struct shim *s, pid_t pid, int wstatus);
void task_drop_conn(struct shim *s, struct shim_conn *c);
struct proc *task_find(struct shim *s, const char *exec_id);

/* events.c: publishing task events to containerd. */
int events_publish(const struct shim_flags *f, const char *topic, const char *type_name,
		   const void *proto_msg);

/* oom.c: the container's OOM kills published as /tasks/oom while the events fd is open. */
int oom_watch_start(struct shim *s, struct kata_error *err);
void oom_watch_stop(struct shim *s);
void oom_on_event(struct shim *s);
/* Publishes what is already there (an init killed by the OOM killer: before its TaskExit). */
void oom_drain(struct shim *s);

/* stdio.c: containerd's fifos. */
int stdio_open(const char *in, const char *out, const char *err, int fds[3]);
void stdio_close(int fds[3]);

/* rootfs.c: the rootfs mounts containerd hands over in Create. */
int rootfs_mount(const char *bundle, void *const *mounts, size_t n, char *errbuf, size_t errlen);
void rootfs_unmount(const char *bundle);

/* tty.c: a terminal's pty master relayed to containerd's fifos. */
struct tty_relay;
int tty_console_socket(char *dir, size_t dirlen, char *path, size_t pathlen, int *ret_fd);
int tty_relay_start(struct shim *s, struct proc *p, int listen_fd, const char *dir);
void tty_relay_on_event(struct shim *s, struct tty_relay *t, uint32_t events);
int tty_resize(struct proc *p, unsigned width, unsigned height);
int tty_close_stdin(struct proc *p);
void tty_relay_free(struct shim *s, struct proc *p);

#endif
