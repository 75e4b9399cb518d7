/* SPDX-License-Identifier: Apache-2.0 */
/* spec: runc's default config.json, limited to what kata applies (no user or time
 * namespace, no hooks; no ambient capabilities, which the guest cannot raise for a process
 * without inheritable ones), so it runs as written with a busybox rootfs in
 * <bundle>/rootfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "kata.h"

static const char default_spec[] =
    "{\n"
    "\t\"ociVersion\": \"1.0.2\",\n"
    "\t\"process\": {\n"
    "\t\t\"terminal\": true,\n"
    "\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"
    "\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"
    "\t\t\"env\": [\n"
    "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "\t\t\t\"TERM=xterm\"\n\t\t],\n"
    "\t\t\"cwd\": \"/\",\n"
    "\t\t\"capabilities\": {\n"
    "\t\t\t\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "\t\t\t\"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "\t\t\t\"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
    "\t\t},\n"
    "\t\t\"rlimits\": [\n"
    "\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n\t\t\t\t\"hard\": 1024,\n"
    "\t\t\t\t\"soft\": 1024\n\t\t\t}\n\t\t],\n"
    "\t\t\"noNewPrivileges\": true\n"
    "\t},\n"
    "\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"
    "\t\"hostname\": \"kata\",\n"
    "\t\"mounts\": [\n"
    "\t\t{\n\t\t\t\"destination\": \"/proc\",\n\t\t\t\"type\": \"proc\",\n"
    "\t\t\t\"source\": \"proc\"\n\t\t},\n"
    "\t\t{\n\t\t\t\"destination\": \"/dev\",\n\t\t\t\"type\": \"tmpfs\",\n"
    "\t\t\t\"source\": \"tmpfs\",\n"
    "\t\t\t\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]\n"
    "\t\t},\n"
    "\t\t{\n\t\t\t\"destination\": \"/dev/pts\",\n\t\t\t\"type\": \"devpts\",\n"
    "\t\t\t\"source\": \"devpts\",\n"
    "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
    "\"mode=0620\", \"gid=5\"]\n"
    "\t\t},\n"
    "\t\t{\n\t\t\t\"destination\": \"/dev/shm\",\n\t\t\t\"type\": \"tmpfs\",\n"
    "\t\t\t\"source\": \"shm\",\n"
    "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]\n"
    "\t\t},\n"
    "\t\t{\n\t\t\t\"destination\": \"/dev/mqueue\",\n\t\t\t\"type\": \"mqueue\",\n"
    "\t\t\t\"source\": \"mqueue\",\n"
    "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\"]\n"
    "\t\t},\n"
    "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n"
    "\t\t\t\"source\": \"sysfs\",\n"
    "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]\n"
    "\t\t},\n"
    "\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": \"cgroup\",\n"
    "\t\t\t\"source\": \"cgroup\",\n"
    "\t\t\t\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]\n"
    "\t\t}\n"
    "\t],\n"
    "\t\"linux\": {\n"
    "\t\t\"resources\": {\n"
    "\t\t\t\"devices\": [\n\t\t\t\t{\n\t\t\t\t\t\"allow\": false,\n"
    "\t\t\t\t\t\"access\": \"rwm\"\n\t\t\t\t}\n\t\t\t]\n"
    "\t\t},\n"
    "\t\t\"namespaces\": [\n"
    "\t\t\t{\"type\": \"pid\"},\n\t\t\t{\"type\": \"network\"},\n\t\t\t{\"type\": \"ipc\"},\n"
    "\t\t\t{\"type\": \"uts\"},\n\t\t\t{\"type\": \"mount\"},\n\t\t\t{\"type\": \"cgroup\"}\n"
    "\t\t],\n"
    "\t\t\"maskedPaths\": [\n"
    "\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n"
    "\t\t\t\"/proc/keys\",\n\t\t\t\"/proc/latency_stats\",\n\t\t\t\"/proc/timer_list\",\n"
    "\t\t\t\"/proc/timer_stats\",\n\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n"
    "\t\t\t\"/proc/scsi\"\n"
    "\t\t],\n"
    "\t\t\"readonlyPaths\": [\n"
    "\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n\t\t\t\"/proc/sys\",\n"
    "\t\t\t\"/proc/sysrq-trigger\"\n"
    "\t\t]\n"
    "\t}\n"
    "}\n";

int kata_spec_write(const char *bundle, bool rootless, struct kata_error *err)
{
	if (rootless)
		return kata_fail(err, ENOTSUP,
				 "--rootless is not supported: kata runs containers as root");
	const char *dir = bundle && *bundle ? bundle : ".";
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/config.json", dir) >= (int)sizeof(path))
		return kata_fail(err, ENAMETOOLONG, "bundle path \"%s\" is too long", dir);
	/* O_EXCL: an existing config.json is never overwritten, as runc refuses too. */
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return kata_fail(err, EEXIST, "File %s exists. Remove it first", path);
	if (fd < 0)
		return kata_fail_errno(err, errno, "create %s", path);
	size_t len = sizeof(default_spec) - 1;
	if (write(fd, default_spec, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;
		unlink(path);
		return kata_fail_errno(err, e, "write %s", path);
	}
	return 0;
}
