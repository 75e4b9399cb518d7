/* SPDX-License-Identifier: Apache-2.0 */
/* The VM pool's directory: filling it with keepers, listing it, destroying it. */
#include "factory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "cleanup.h"
#include "error.h"
#include "factory_report.h"
#include "fsutil.h"

#define DESTROY_WAIT_MS 5000

const char *factory_dir(void)
{
	const char *d = getenv(FACTORY_DIR_ENV);
	return d && *d ? d : FACTORY_DIR_DEFAULT;
}

const char *factory_unsupported(const struct runtime_config *cfg)
{
	/* virtiofsd serves its own view of the share, set up before any container exists: a
	 * rootfs mounted into the share later would not reach the guest. */
	if (cfg->shared_fs == VM_SHARED_FS_VIRTIO_FS)
		return "a pool of VMs works with shared_fs \"virtio-9p\" only, not \"virtio-fs\"";
	if (cfg->channel_force == CHANNEL_VSOCK)
		return "a pool of VMs talks to its agents over virtio-serial, and use_vsock is "
		       "true";
	return NULL;
}

char *factory_fingerprint(const struct runtime_config *cfg)
{
	char *out = NULL;
	if (asprintf(&out,
		     "qemu=%s\nkernel=%s\ninitrd=%s\nparams=%s\nmemory=%u\nvcpus=%u\n"
		     "debug=%d%d\n",
		     cfg->qemu, cfg->kernel, cfg->initrd, cfg->kernel_params, cfg->memory_mib,
		     cfg->vcpus, cfg->hypervisor_debug, cfg->agent_debug) < 0)
		return NULL;
	return out;
}

int factory_lock(struct kata_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms", factory_dir());
	int rc = mkdir_p(path, 0700);
	if (rc < 0)
		return kata_fail_errno(err, -rc, "creating %s", path);
	snprintf(path, sizeof(path), "%s/lock", factory_dir());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return kata_fail_errno(err, errno, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return kata_fail_errno(err, e, "locking %s", path);
		}
	return fd;
}

static bool exists_at(int dirfd, const char *name)
{
	return faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static pid_t read_keeper_pid(int vmfd)
{
	cleanup_close int fd = openat(vmfd, "keeper.pid", O_RDONLY | O_CLOEXEC);
	char buf[32] = "";
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	long pid = strtol(buf, NULL, 10);
	return pid > 0 ? (pid_t)pid : -1;
}

/* Fills e from the VM directory `name`. */
static void entry_of(int vmsfd, const char *name, struct factory_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	cleanup_close int vmfd = openat(vmsfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	e->keeper = vmfd >= 0 ? read_keeper_pid(vmfd) : -1;
	bool alive = e->keeper > 0 && kill(e->keeper, 0) == 0;
	const char *state = "booting";
	if (vmfd < 0 || (e->keeper > 0 && !alive))
		state = "stale";
	else if (exists_at(vmfd, "claimed"))
		state = "claimed";
	else if (exists_at(vmfd, "ready"))
		state = "ready";
	snprintf(e->state, sizeof(e->state), "%s", state);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct factory_entry *)a)->name,
		      ((const struct factory_entry *)b)->name);
}

int factory_list(struct factory_entry **ret, size_t *ret_n, struct kata_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms", factory_dir());
	cleanup_dir DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : kata_fail_errno(err, errno, "opening %s", path);
	struct factory_entry *v = NULL;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		struct factory_entry *nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return kata_fail(err, ENOMEM, "listing the VM pool: out of memory");
		}
		v = nv;
		entry_of(dirfd(d), de->d_name, &v[n++]);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void remove_vm_dir(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms/%s", factory_dir(), name);
	rm_rf(path);
}

/* Starts one keeper in a new session (its parent exits at once: nobody must reap it but
 * init). Returns the read end of its report pipe. */
static int start_keeper(const struct runtime_config *cfg, struct kata_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms/vm-XXXXXX", factory_dir());
	if (!mkdtemp(path))
		return kata_fail_errno(err, errno, "creating a VM directory under %s/vms",
				       factory_dir());
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		rmdir(path);
		return kata_fail_errno(err, e, "pipe");
	}
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		rmdir(path);
		return kata_fail_errno(err, e, "fork");
	}
	if (child == 0) {
		close(p[0]);
		setsid();
		pid_t k = fork();
		if (k != 0)
			_exit(k < 0 ? 1 : 0);
		factory_keeper_main(cfg, path, p[1]);
	}
	close(p[1]);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return p[0];
}

int factory_fill(const struct runtime_config *cfg, unsigned target, unsigned *ret_booted,
		 struct kata_error *err)
{
	*ret_booted = 0;
	const char *why = factory_unsupported(cfg);
	if (why)
		return kata_fail(err, ENOTSUP, "the VM factory: %s", why);
	cleanup_close int lock = factory_lock(err);
	if (lock < 0)
		return lock;

	struct factory_entry *v = NULL;
	size_t n = 0;
	int rc = factory_list(&v, &n, err);
	if (rc < 0)
		return rc;
	unsigned have = 0;
	for (size_t i = 0; i < n; i++) {
		/* Under the lock nothing is booting: a VM that is not ready never will be. */
		bool dead = strcmp(v[i].state, "stale") == 0 || strcmp(v[i].state, "booting") == 0;
		if (dead)
			remove_vm_dir(v[i].name);
		else if (strcmp(v[i].state, "ready") == 0)
			have++;
	}
	free(v);

	unsigned need = target > have ? target - have : 0;
	int *fds = calloc(need ? need : 1, sizeof(int));
	if (!fds)
		return kata_fail(err, ENOMEM, "filling the VM pool: out of memory");
	unsigned started = 0;
	for (; started < need; started++) {
		fds[started] = start_keeper(cfg, err);
		if (fds[started] < 0) {
			rc = fds[started];
			break;
		}
	}
	/* Every started keeper answers (ready, or why not) before we let go of the lock. */
	for (unsigned i = 0; i < started; i++) {
		struct factory_report r = {0};
		ssize_t got = read(fds[i], &r, sizeof(r));
		close(fds[i]);
		if (got == (ssize_t)sizeof(r) && r.status == 0) {
			(*ret_booted)++;
			continue;
		}
		if (rc == 0) {
			r.msg[sizeof(r.msg) - 1] = '\0';
			rc = got == (ssize_t)sizeof(r)
				 ? kata_fail(err, r.status, "booting a pooled VM: %s", r.msg)
				 : kata_fail(err, EIO, "booting a pooled VM: the keeper exited");
		}
	}
	free(fds);
	return rc;
}

void factory_refill_async(const struct runtime_config *cfg)
{
	pid_t child = fork();
	if (child < 0)
		return;
	if (child > 0) {
		int status;
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return;
	}
	/* Leave the caller's session, stdio and fds: the filler outlives it. */
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close_range(3, ~0U, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (fork() != 0)
		_exit(0);
	struct kata_error err = {0};
	unsigned booted = 0;
	_exit(factory_fill(cfg, cfg->vm_cache_number, &booted, &err) < 0 ? 1 : 0);
}

static bool vm_dir_exists(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms/%s", factory_dir(), name);
	return access(path, F_OK) == 0;
}

int factory_destroy(unsigned *ret_stopped, struct kata_error *err)
{
	*ret_stopped = 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/vms", factory_dir());
	struct factory_template t;
	factory_template_paths(&t);
	if (access(path, F_OK) < 0 && access(t.dir, F_OK) < 0)
		return 0;
	cleanup_close int lock = factory_lock(err);
	if (lock < 0)
		return lock;
	/* Clones already running keep their mappings of its files. */
	factory_template_remove();
	struct factory_entry *v = NULL;
	size_t n = 0;
	int rc = factory_list(&v, &n, err);
	if (rc < 0)
		return rc;
	bool claimed_left = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].state, "claimed") == 0) {
			claimed_left = true;
			continue;
		}
		if (v[i].keeper > 0 && strcmp(v[i].state, "stale") != 0 &&
		    kill(v[i].keeper, SIGTERM) == 0)
			(*ret_stopped)++;
	}
	/* Each keeper stops its QEMU and removes its directory; wait for that. */
	struct timespec pause = {0, 10 * 1000 * 1000};
	for (int waited = 0; waited < DESTROY_WAIT_MS; waited += 10) {
		bool left = false;
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].state, "claimed") != 0 && vm_dir_exists(v[i].name) &&
			    v[i].keeper > 0 && kill(v[i].keeper, 0) == 0)
				left = true;
		if (!left)
			break;
		nanosleep(&pause, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].state, "claimed") == 0)
			continue;
		/* A keeper that did not stop in time: its QEMU dies with it (death signal). */
		if (v[i].keeper > 0 && kill(v[i].keeper, 0) == 0)
			kill(v[i].keeper, SIGKILL);
		remove_vm_dir(v[i].name);
	}
	free(v);
	if (!claimed_left)
		factory_remove_if_empty();
	return 0;
}

void factory_remove_if_empty(void)
{
	char path[PATH_MAX];
	struct factory_template t;
	factory_template_paths(&t);
	snprintf(path, sizeof(path), "%s/vms", factory_dir());
	if ((rmdir(path) < 0 && errno != ENOENT) || access(t.dir, F_OK) == 0)
		return;
	snprintf(path, sizeof(path), "%s/lock", factory_dir());
	unlink(path);
	rmdir(factory_dir());
}
