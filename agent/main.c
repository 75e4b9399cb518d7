/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kata-agent: PID 1 of the guest. Mounts the pseudo filesystems, opens the host channel and
 * serves ttrpc requests from a single-threaded event loop; containers are cloned children.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "cmdline.h"
#include "init.h"
#include "log.h"
#include "loop.h"
#include "memory_tune.h"
#include "netif.h"
#include "reaper.h"
#include "server.h"

#define AGENT_VERSION	     "0.1.0"
#define AGENT_MMAP_THRESHOLD (8 << 20)

int main(void)
{
	bool pid1 = getpid() == 1;
	struct agent_config cfg;
	int rc;

	if (pid1 && (rc = init_leave_initramfs()) < 0)
		init_fatal("cannot move off the initramfs: %s", strerror(-rc));

	if (pid1 && init_mount_pseudo_filesystems() < 0)
		init_fatal("cannot mount the guest's pseudo filesystems");
	log_open_console();
	if (pid1)
		memory_tune_page_reporting();
	/* Loopback up while the host waits for the boot anyway (CreateSandbox checks it again): a
	 * VM restored from a template saved after this starts with it up. */
	struct kata_error lo_err = {0};
	if (pid1 && netif_loopback_up(&lo_err) < 0)
		log_warn("%s", lo_err.msg);
	rc = cmdline_load_config(&cfg);
	log_set_debug(cfg.debug);
	if (rc < 0)
		log_warn("kernel command line: unsupported agent.* value (%s)", strerror(-rc));
	log_info("kata-agent %s starting (pid %d)", AGENT_VERSION, (int)getpid());

	/* Output is relayed in chunks of up to 1 MiB, through a few buffers each. By default glibc
	 * maps each of those and unmaps it when freed (or trims the heap under it), so every
	 * chunk cost fresh zeroed pages and page faults: a profile of a 64 MiB stream showed the
	 * guest zeroing ~3 pages per page relayed. Keep them in the heap. */
	mallopt(M_MMAP_THRESHOLD, AGENT_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, 2 * AGENT_MMAP_THRESHOLD);

	/* A vanished host must not kill the agent: write errors are reported as EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = loop_init()) < 0)
		init_fatal("epoll: %s", strerror(-rc));
	if ((rc = reaper_init()) < 0)
		init_fatal("signalfd: %s", strerror(-rc));
	struct channel_callbacks cb = {server_handle_frame, server_handle_disconnect};
	if ((rc = channel_open(cfg.channel, &cb)) < 0)
		init_fatal("no channel to the host: %s", strerror(-rc));
	log_info("ready");

	for (;;) {
		rc = loop_run_once();
		if (rc < 0)
			init_fatal("event loop: %s", strerror(-rc));
	}
}
