/* SPDX-License-Identifier: Apache-2.0 */
/* virtiofsd for a VM's virtio-fs share: started before QEMU, stopped after it. */
#ifndef KATA_VIRTIOFSD_H
#define KATA_VIRTIOFSD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hypervisor.h"
#include "kata.h"
#include "strv.h"

/* Appends virtiofsd's command line (program first) serving `source` on listening fd `fd`. */
int virtiofsd_build_argv(const char *daemon, const char *source, enum vm_virtiofs_cache cache,
			 int fd, struct strv *argv);

/*
 * Listens on socket_path (relative paths stay short) and starts `daemon` serving shared_dir
 * on it, as a child killed when the calling thread exits; its output goes to log_path. QEMU
 * may connect to socket_path as soon as this returns.
 */
int virtiofsd_start(const char *daemon, const char *shared_dir, enum vm_virtiofs_cache cache,
		    const char *socket_path, const char *log_path, pid_t *ret_pid,
		    struct kata_error *err);

/*
 * True when `daemon` can be the default shared filesystem's server: it is executable and
 * `daemon --version` exits 0. `why` says so, or why not ("...: No such file or directory").
 */
bool virtiofsd_usable(const char *daemon, char *why, size_t size);

/* Waits up to timeout_ms for virtiofsd to exit (it does once QEMU is gone), then kills it;
 * reaps it. Does nothing when pid <= 0 or when it was already reaped by someone else. */
void virtiofsd_stop(pid_t pid, int timeout_ms);

#endif
