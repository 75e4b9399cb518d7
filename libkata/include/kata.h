/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kata.h - the public API of libkata: the OCI runtime operations behind the `kata` CLI,
 * usable by other programs (for example a containerd shim) to drive containers that each
 * run in their own micro-VM.
 *
 * Conventions: every function returns 0 (or a non-negative value) on success and a negative
 * errno on failure; when it fails and `err` is not NULL, `err` holds the errno and a one-line
 * message for the user. Nothing here prints or exits.
 *
 * Example:
 *	struct kata_context ctx = { .root = "/run/kata" };
 *	struct kata_error err = {0};
 *	struct kata_create_options opts = { .bundle = "/path/to/bundle" };
 *	int status;
 *	if (kata_container_run(&ctx, "demo", &opts, &status, &err) < 0)
 *		fprintf(stderr, "%s\n", err.msg);
 */
#ifndef KATA_H
#define KATA_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KATA_PUBLIC __attribute__((visibility("default")))

/* An error: the errno value and a message naming what failed. */
struct kata_error {
	int status;
	char msg[1024];
};

enum kata_log_format { KATA_LOG_TEXT = 0, KATA_LOG_JSON = 1 };

/* Runtime-wide settings, mirroring runc's global flags. Unset fields take defaults. */
struct kata_context {
	const char *root;     /* state directory root; default /run/kata */
	const char *log_path; /* where log lines go; NULL: the library logs nothing */
	enum kata_log_format log_format;
	bool debug;	     /* log debug lines too */
	bool systemd_cgroup; /* accepted for compatibility; the guest uses cgroupfs */
};

/* Options of create and run. */
struct kata_create_options {
	const char *bundle;	    /* bundle directory; default the current directory */
	const char *pid_file;	    /* where to write the monitor's pid, or NULL */
	const char *console_socket; /* unix socket that receives the pty master, or NULL */
	bool detach;		    /* run only: return once started */
	int preserve_fds;	    /* extra fds passed to the container, after stdio */
	const int *stdio; /* the workload's stdin, stdout, stderr (3 fds); NULL: the caller's 0-2 */
};

/* The OCI state of one container. */
struct kata_state {
	char id[256];
	char status[16]; /* creating, created, running, paused, stopped */
	pid_t pid;	 /* the monitor, which stands in for the workload; 0 when stopped */
	char bundle[4096];
	char created[64];	/* RFC 3339 time */
	char *annotations_json; /* JSON object or NULL; owned by the state */
};

/* Sets up the container `id` from opts->bundle and boots its VM; the workload waits for start. */
KATA_PUBLIC int kata_container_create(const struct kata_context *ctx, const char *id,
				      const struct kata_create_options *opts,
				      struct kata_error *err);

/* Starts the workload of a created container. */
KATA_PUBLIC int kata_container_start(const struct kata_context *ctx, const char *id,
				     struct kata_error *err);

/* Fills *ret with the container's state; release it with kata_state_clear. */
KATA_PUBLIC int kata_container_state(const struct kata_context *ctx, const char *id,
				     struct kata_state *ret, struct kata_error *err);

/* Releases what a kata_state holds. */
KATA_PUBLIC void kata_state_clear(struct kata_state *state);

/* Formats a state as the OCI state JSON document (malloc'ed into *ret_json). */
KATA_PUBLIC int kata_state_to_json(const struct kata_state *state, char **ret_json,
				   struct kata_error *err);

/* Sends signal `sig` to the workload (to every process of the container when `all`). */
KATA_PUBLIC int kata_container_kill(const struct kata_context *ctx, const char *id, int sig,
				    bool all, struct kata_error *err);

/* Removes a stopped (or created) container; `force` also kills a running one first. */
KATA_PUBLIC int kata_container_delete(const struct kata_context *ctx, const char *id, bool force,
				      struct kata_error *err);

/* Create + start; unless opts->detach, waits, deletes, and stores the exit status in *ret_status.
 */
KATA_PUBLIC int kata_container_run(const struct kata_context *ctx, const char *id,
				   const struct kata_create_options *opts, int *ret_status,
				   struct kata_error *err);

/* Parses a signal given as a name (KILL, SIGKILL) or number; returns the number or -EINVAL. */
KATA_PUBLIC int kata_signal_parse(const char *s);

/* Checks that `id` is a valid container id (non-empty, no '/', not '.' or '..', printable). */
KATA_PUBLIC int kata_id_validate(const char *id, struct kata_error *err);

/* Writes a log line at `level` ("debug", "info", "warning", "error") through ctx's log sink. */
KATA_PUBLIC void kata_log_message(const struct kata_context *ctx, const char *level,
				  const char *msg);

/* The library version string. */
KATA_PUBLIC const char *kata_version(void);

/* ---- runc's other commands --------------------------------------------------------------- */

/* Options of exec, mirroring runc exec's flags. Unset fields take the container's config. */
struct kata_exec_options {
	const char *process_path; /* a process.json to run instead of args and the flags below */
	const char *const *args;  /* the command and its arguments */
	size_t n_args;
	bool tty;		    /* give the process a pty */
	const char *console_socket; /* with detach and tty: receives the pty master */
	bool detach;		    /* return once started; a stand-in process waits for it */
	const char *pid_file;	    /* detach: where the stand-in's pid is written */
	const char *cwd;
	const char *const *env; /* KEY=VALUE entries added to (or replacing) the config's */
	size_t n_env;
	const char *user; /* uid[:gid] */
	const char *const *additional_gids;
	size_t n_additional_gids;
	const char *const *caps; /* capabilities added to the config's (CAP_...) */
	size_t n_caps;
	bool no_new_privs;
	const char *process_label; /* SELinux label */
	const char *apparmor;	   /* AppArmor profile */
	int preserve_fds;	   /* must be 0: host fds cannot cross into the VM */
	const int *stdio; /* the process's stdin, stdout, stderr (3 fds); NULL: the caller's 0-2 */
};

/* Runs a new process in a running container. In the foreground it relays stdio and signals
 * and stores the exit status (128+signal if killed) in *ret_status; with opts->detach it
 * returns once the process started, leaving a stand-in process (a child of the caller, to
 * reap) that forwards signals to the process and exits with its status. */
KATA_PUBLIC int kata_container_exec(const struct kata_context *ctx, const char *id,
				    const struct kata_exec_options *opts, int *ret_status,
				    struct kata_error *err);

/* Starts a process as kata_container_exec does with opts->detach, and stores the stand-in's
 * pid in *ret_pid: a child of the caller that exits with the process's status (128+signal if
 * killed) and relays SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2, SIGCONT and SIGALRM to it. */
KATA_PUBLIC int kata_container_exec_start(const struct kata_context *ctx, const char *id,
					  const struct kata_exec_options *opts, pid_t *ret_pid,
					  struct kata_error *err);

/* Sends any signal (SIGKILL included) to the process behind `standin`, a stand-in that
 * kata_container_exec_start returned and the caller has not reaped yet. */
KATA_PUBLIC int kata_exec_signal(pid_t standin, int sig, struct kata_error *err);

/* Freezes every process of a running container (its VM's vCPUs stop); status "paused". */
KATA_PUBLIC int kata_container_pause(const struct kata_context *ctx, const char *id,
				     struct kata_error *err);

/* Thaws a paused container; status "running" again. */
KATA_PUBLIC int kata_container_resume(const struct kata_context *ctx, const char *id,
				      struct kata_error *err);

/* The logs a container's VM keeps in its state directory (removed by delete). */
enum kata_vm_log {
	KATA_VM_LOG_CONSOLE = 0, /* console.log: guest kernel console and the agent's log lines */
	KATA_VM_LOG_QEMU,	 /* qemu.log: QEMU's own messages */
	KATA_VM_LOG_VIRTIOFSD /* virtiofsd.log: the virtio-fs daemon's messages (virtio-fs only) */
};

/* The file name of a log kind ("console.log", ...), or NULL for an unknown kind. */
KATA_PUBLIC const char *kata_vm_log_name(enum kata_vm_log kind);

/* The path of container `id`'s log of `kind` in ret; fails (ENOENT, named) when the container
 * does not exist or that log was never written. */
KATA_PUBLIC int kata_container_log_path(const struct kata_context *ctx, const char *id,
					enum kata_vm_log kind, char ret[4096],
					struct kata_error *err);

/* The container's processes: "table", ps-like text of the guest's processes; "json", a JSON
 * array of the host pids standing in for them (the monitor, then each running exec's caller);
 * *ret_out is malloc'ed and NUL-terminated. */
KATA_PUBLIC int kata_container_ps(const struct kata_context *ctx, const char *id,
				  const char *format, char **ret_out, struct kata_error *err);

/* Options of update: runc's flags as given on the command line (NULL: unchanged). */
struct kata_update_options {
	const char *resources_path; /* an OCI linux.resources JSON file; "-": stdin */
	const char *memory, *memory_swap, *memory_reservation;
	const char *cpu_quota, *cpu_period, *cpu_shares, *cpuset_cpus, *cpuset_mems;
	const char *pids_limit, *blkio_weight;
};

/* Changes the cgroup limits of a running container; a malformed value fails naming it. */
KATA_PUBLIC int kata_container_update(const struct kata_context *ctx, const char *id,
				      const struct kata_update_options *opts,
				      struct kata_error *err);

/* Called with each event as one line of runc's event JSON; a negative return stops. */
typedef int (*kata_event_fn)(const char *json, void *data);

/* Reports the container's statistics as runc's "stats" events: once when interval_ms is 0,
 * else every interval_ms until the container stops, its "oom" events as they happen. */
KATA_PUBLIC int kata_container_events(const struct kata_context *ctx, const char *id,
				      int interval_ms, kata_event_fn fn, void *data,
				      struct kata_error *err);

/* A new O_CLOEXEC fd (a pipe's read end) that gets one runc event JSON line per event as it
 * happens ({"type":"oom","id":...}), EOF once the workload has exited; the caller closes it. */
KATA_PUBLIC int kata_container_events_fd(const struct kata_context *ctx, const char *id,
					 int *ret_fd, struct kata_error *err);

/* The states of every container under ctx's root (sorted by id); free with
 * kata_state_list_free. */
KATA_PUBLIC int kata_container_list(const struct kata_context *ctx, struct kata_state **ret,
				    size_t *ret_n, struct kata_error *err);

/* Releases what kata_container_list returned. */
KATA_PUBLIC void kata_state_list_free(struct kata_state *states, size_t n);

/* Writes a default config.json into `bundle` (refused if one exists); `rootless` is refused. */
KATA_PUBLIC int kata_spec_write(const char *bundle, bool rootless, struct kata_error *err);

/* The OCI runtime features document (runtime-spec features.md) as JSON, malloc'ed. */
KATA_PUBLIC int kata_features_json(char **ret_json, struct kata_error *err);

/* One host check of `kata check`. */
struct kata_check_item {
	char name[64];
	bool ok;
	char detail[512];
};

/* Checks whether this host can run kata: fills *ret (malloc'ed, *ret_n items) and returns the
 * number of failed checks. */
KATA_PUBLIC int kata_host_check(struct kata_check_item **ret, size_t *ret_n,
				struct kata_error *err);

/* The resolved runtime configuration (QEMU, guest image, memory, vCPUs, accelerator,
 * channel) as JSON, malloc'ed. */
KATA_PUBLIC int kata_env_json(const struct kata_context *ctx, char **ret_json,
			      struct kata_error *err);

/* Build facts for `kata version`: the git commit, the OCI spec version, and the compiled-in
 * features as crun prints them ("+SECCOMP +CAP ..."). */
KATA_PUBLIC const char *kata_commit(void);
KATA_PUBLIC const char *kata_spec_version(void);
KATA_PUBLIC const char *kata_build_features(void);

/* ---- the VM factory (a pool of booted VMs; docs/factory.md) ------------------------------ */

/* With factory.enable_template, first saves the VM template unless a matching one exists;
 * then boots VMs until factory.vm_cache_number of them wait ready (*ret_booted: how many
 * now). Fails when the configuration sets neither, or they cannot work with it (virtio-fs). */
KATA_PUBLIC int kata_factory_init(const struct kata_context *ctx, unsigned *ret_booted,
				  struct kata_error *err);

/* One pooled VM: its directory name, "booting" | "ready" | "claimed" | "stale", keeper pid. */
struct kata_factory_vm {
	char name[64];
	char state[16];
	int keeper_pid;
};

/* The pool's VMs (malloc'ed array; free() it) and the configured size in *ret_target. */
KATA_PUBLIC int kata_factory_status(const struct kata_context *ctx, struct kata_factory_vm **ret,
				    size_t *ret_n, unsigned *ret_target, struct kata_error *err);

/* The VM template: whether the configuration enables it, whether one is saved for it, where,
 * and how many bytes of guest RAM its memory file holds. */
struct kata_factory_template {
	bool enabled; /* factory.enable_template */
	bool ready;   /* saved, and matching the configuration */
	char path[4096];
	unsigned long long memory_bytes;
};

/* Fills *ret; the template's absence is not an error. */
KATA_PUBLIC int kata_factory_template_status(const struct kata_context *ctx,
					     struct kata_factory_template *ret,
					     struct kata_error *err);

/* Stops every pooled VM not taken by a container, removes the pool and the template;
 * *ret_stopped: how many VMs. VMs already claimed stay with their containers. */
KATA_PUBLIC int kata_factory_destroy(const struct kata_context *ctx, unsigned *ret_stopped,
				     struct kata_error *err);

/* Checkpoint and restore need CRIU inside a VM: always -ENOTSUP with a message. */
KATA_PUBLIC int kata_container_checkpoint(const struct kata_context *ctx, const char *id,
					  struct kata_error *err);
KATA_PUBLIC int kata_container_restore(const struct kata_context *ctx, const char *id,
				       struct kata_error *err);

/* ---- waiting for a container without polling ---------------------------------------------- */

/* A new O_CLOEXEC fd that polls readable once the container has stopped and its VM is gone
 * (at once if it already has); for poll/epoll only, the caller closes it. -EAGAIN: creating. */
KATA_PUBLIC int kata_container_exit_fd(const struct kata_context *ctx, const char *id, int *ret_fd,
				       struct kata_error *err);

/* The exit status of a stopped container (128+signal if killed, 255 if its VM died first);
 * -EBUSY while it has not stopped, -ENODATA if none was recorded. */
KATA_PUBLIC int kata_container_exit_status(const struct kata_context *ctx, const char *id,
					   int *ret_status, struct kata_error *err);

#ifdef __cplusplus
}
#endif
#endif /* KATA_H */
