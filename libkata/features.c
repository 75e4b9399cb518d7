/* SPDX-License-Identifier: Apache-2.0 */
/*
 * features: the OCI runtime features document (runtime-spec features.md). Every list states
 * what the config.json parser accepts and the agent applies, no more: a feature appears here
 * only once a container can really use it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>

#include <yajl/yajl_gen.h>

#include "error.h"
#include "kata.h"

/* The agent's mount flag table (agent/mount_options.c), propagation included. */
static const char *const mount_options[] = {
    "async",	   "atime",	  "bind",	 "defaults",
    "dev",	   "diratime",	  "dirsync",	 "exec",
    "mand",	   "noatime",	  "nodev",	 "nodiratime",
    "noexec",	   "nomand",	  "norelatime",	 "nostrictatime",
    "nosuid",	   "nosymfollow", "rbind",	 "relatime",
    "remount",	   "ro",	  "rw",		 "silent",
    "strictatime", "suid",	  "sync",	 "private",
    "rprivate",	   "shared",	  "rshared",	 "slave",
    "rslave",	   "unbindable",  "runbindable", NULL};

/* linux.namespaces the guest creates (time is refused; joining paths too). */
static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network",
					 "pid",	   "user", "uts",   NULL};

/* The seccomp vocabulary of the parser (libkata/oci_spec_seccomp.c) and the agent. */
static const char *const seccomp_actions[] = {
    "SCMP_ACT_ALLOW",	     "SCMP_ACT_ERRNO",	     "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
    "SCMP_ACT_TRACE",	     "SCMP_ACT_TRAP",	     NULL};
static const char *const seccomp_operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
						"SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
						"SCMP_CMP_NE", NULL};
/* The guest is x86-64: its kernel runs these ABIs. */
static const char *const seccomp_archs[] = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
					    NULL};

static void str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void list(yajl_gen g, const char *key, const char *const *items)
{
	str(g, key);
	yajl_gen_array_open(g);
	for (; *items; items++)
		str(g, *items);
	yajl_gen_array_close(g);
}

static void flag(yajl_gen g, const char *key, bool v)
{
	str(g, key);
	yajl_gen_bool(g, v);
}

/* Every capability libcap knows, as CAP_ names (the agent resolves names the same way). */
static void capabilities(yajl_gen g)
{
	str(g, "capabilities");
	yajl_gen_array_open(g);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		char *name = cap_to_name(c);
		if (!name)
			continue;
		char upper[64];
		size_t i;
		for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
			upper[i] = (char)toupper((unsigned char)name[i]);
		upper[i] = '\0';
		cap_free(name);
		if (!strncmp(upper, "CAP_", 4))
			str(g, upper);
	}
	yajl_gen_array_close(g);
}

int kata_features_json(char **ret_json, struct kata_error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return kata_fail(err, ENOMEM, "out of memory");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "    ");
	yajl_gen_map_open(g);
	str(g, "ociVersionMin");
	str(g, "1.0.0");
	str(g, "ociVersionMax");
	str(g, kata_spec_version());
	/* The host-side hooks (hooks.c); createContainer/startContainer would run in the guest. */
	static const char *const hooks[] = {"prestart", "createRuntime", "poststart", "poststop",
					    NULL};
	list(g, "hooks", hooks);
	list(g, "mountOptions", mount_options);
	str(g, "linux");
	yajl_gen_map_open(g);
	list(g, "namespaces", namespaces);
	capabilities(g);
	str(g, "cgroup");
	yajl_gen_map_open(g);
	flag(g, "v1", false);
	flag(g, "v2", true);
	flag(g, "systemd", false);
	flag(g, "systemdUser", false);
	flag(g, "rdma", false);
	yajl_gen_map_close(g);
	str(g, "seccomp");
	yajl_gen_map_open(g);
	flag(g, "enabled", true);
	list(g, "actions", seccomp_actions);
	list(g, "operators", seccomp_operators);
	list(g, "archs", seccomp_archs);
	yajl_gen_map_close(g);
	str(g, "apparmor");
	yajl_gen_map_open(g);
	flag(g, "enabled", false);
	yajl_gen_map_close(g);
	str(g, "selinux");
	yajl_gen_map_open(g);
	flag(g, "enabled", false);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	str(g, "annotations");
	yajl_gen_map_open(g);
	str(g, "io.github.kata.version");
	str(g, kata_version());
	str(g, "io.github.kata.commit");
	str(g, kata_commit());
	str(g, "io.github.kata.hypervisor");
	str(g, "qemu-microvm");
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	/* The beautifier ends with a newline; callers add their own. */
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	*ret_json = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return *ret_json ? 0 : kata_fail(err, ENOMEM, "out of memory");
}
