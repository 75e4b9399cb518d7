/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM factory (Kata's VM cache): VMs booted ahead of time, each owned by a keeper process,
 * waiting with their agent up. A container whose VM would be the default one claims a ready
 * VM instead of booting. Layout under factory_dir():
 *   lock               flock: one filler at a time
 *   vms/<name>/        one per VM (QEMU's cwd): keeper.pid, fingerprint, ready|claimed,
 *                      keeper.sock, qmp.sock, agent.sock, console.log, qemu.log, shared/
 *   template/          the saved VM template (factory.enable_template): memory, state,
 *                      fingerprint, and the template VM's console.log and qemu.log
 * Claiming is rename(ready -> claimed): exactly one claimer wins. See docs/factory.md.
 */
#ifndef KATA_FACTORY_H
#define KATA_FACTORY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hypervisor.h"
#include "kata.h"
#include "runtime_config.h"

#define FACTORY_DIR_ENV	    "KATA_FACTORY_DIR"
#define FACTORY_DIR_DEFAULT "/run/kata-factory"

/* The factory's directory: $KATA_FACTORY_DIR or /run/kata-factory. */
const char *factory_dir(void);

/* Removes the factory's directory when it holds no VM and no template (its lock too). */
void factory_remove_if_empty(void);

/* Takes the factory's lock (creating the directory): the locked fd, or -errno. */
int factory_lock(struct kata_error *err);

/* Why cfg cannot use a pooled VM (static text), or NULL when it can. */
const char *factory_unsupported(const struct runtime_config *cfg);

/* The text that must match between a pooled VM and a container's VM (malloc'ed). */
char *factory_fingerprint(const struct runtime_config *cfg);

/*
 * Boots VMs until `target` unclaimed ones exist (counting those already there), each in its
 * own keeper process; waits until each is ready or failed. The first failure is returned
 * (the VMs that did boot stay). *ret_booted: how many were started.
 */
int factory_fill(const struct runtime_config *cfg, unsigned target, unsigned *ret_booted,
		 struct kata_error *err);

/* factory_fill in a detached process (own session, stdio on /dev/null); errors are dropped. */
void factory_refill_async(const struct runtime_config *cfg);

/* One VM of the pool as factory_list sees it. */
struct factory_entry {
	char name[64];
	char state[16]; /* "booting", "ready", "claimed", "stale" */
	pid_t keeper;
};

/* The pool's VMs (malloc'ed array, *ret_n entries), sorted by name. */
int factory_list(struct factory_entry **ret, size_t *ret_n, struct kata_error *err);

/* Stops every unclaimed VM and removes their directories; claimed ones stay with their
 * containers. *ret_stopped: how many were stopped. */
int factory_destroy(unsigned *ret_stopped, struct kata_error *err);

/* A claimed VM, from factory_claim to the container's end. */
struct factory_vm {
	char dir[PATH_MAX]; /* absolute path of vms/<name> */
	int dirfd;	    /* O_PATH: socket paths through /proc/self/fd stay short */
	int conn;	    /* connected to the keeper; its closing makes the keeper kill QEMU */
	pid_t keeper;
};

/* Claims a ready VM with cfg's fingerprint: 1 claimed (*ret filled), 0 none, or -errno. */
int factory_claim(const struct runtime_config *cfg, struct factory_vm *ret, struct kata_error *err);

/*
 * Makes host directory `src` (with the mounts below it) appear as shared/<id> inside the
 * claimed VM's share, in the keeper's mount namespace, then adopts the VM: forks the watcher
 * (holds the keeper connection, exits when QEMU does) and connects QMP. *ret_channel is the
 * agent channel. v's fds are consumed: on success the directory fd stays open for the rest of
 * the process (the VM's socket paths go through it).
 */
int factory_adopt(struct factory_vm *v, const char *src, const char *id,
		  struct channel_config *ret_channel, struct vm **ret_vm, struct kata_error *err);

/* Releases a claimed VM that was not adopted (its keeper then stops it); no-op after a
 * successful factory_adopt. */
void factory_vm_release(struct factory_vm *v);
#define cleanup_factory_vm __attribute__((cleanup(factory_vm_release)))

/* The saved VM template's files (factory_template.c). */
struct factory_template {
	char dir[PATH_MAX];
	char memory[PATH_MAX + 16]; /* guest RAM, mapped private by each clone */
	char state[PATH_MAX + 16];  /* device state, loaded with -incoming */
};

/* Fills t with the template's paths under factory_dir(). */
void factory_template_paths(struct factory_template *t);

/* The pool's fingerprint plus the path, mtime and size of QEMU, kernel and initrd
 * (malloc'ed), or NULL on ENOMEM. */
char *factory_template_fingerprint(const struct runtime_config *cfg);

/* 1 when a saved template matches cfg (its VM settings, QEMU, kernel and initrd files), with
 * its paths in *ret; 0 when none does; or -errno. */
int factory_template_find(const struct runtime_config *cfg, struct factory_template *ret,
			  struct kata_error *err);

/* Saves a template for cfg unless a matching one exists (then 0); 1 when saved now. A
 * template of another configuration is replaced. */
int factory_template_save(const struct runtime_config *cfg, struct kata_error *err);

/* Removes the template (running clones keep their mappings of its files). */
void factory_template_remove(void);

/* The bytes of RAM the template's memory file holds (it is sparse). */
int factory_template_size(const struct factory_template *t, unsigned long long *ret_bytes);

/* What differs between the factory's VMs (factory_vm.c): a pooled VM boots or is restored
 * from the template; the template VM boots with its RAM in a file it shares. */
struct factory_vm_opts {
	const char *name; /* QEMU's -name */
	const char *mem_file;
	bool mem_file_shared;
	const char *incoming_state;
};

/* Starts a VM for the factory in the current directory (its files, "shared" as its share,
 * virtio-serial), checks that its agent answers (and, restored, sets its clock and reseeds
 * it), then closes the agent connection. On failure nothing of the VM is left. */
int factory_start_vm(const struct runtime_config *rc, const struct factory_vm_opts *o,
		     struct vm **ret_vm, struct kata_error *err);

/* The keeper's body (factory_keeper.c): boots the VM in dir, reports on report_fd, waits. */
_Noreturn void factory_keeper_main(const struct runtime_config *cfg, const char *dir,
				   int report_fd);

#endif
