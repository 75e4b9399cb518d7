/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd-shim-kata-v2 [flags] start|delete
 *
 * containerd runs `start` to get a task's shim (a daemon serving ttrpc, whose address start
 * prints) and `delete` to clean up after a shim that died. Flags are Go-style: -name value,
 * -name=value, or with two dashes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

void shim_log(const char *fmt, ...)
{
	char msg[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write per line: stderr is containerd's log fifo, shared with nobody else. */
	char line[1500];
	int n =
	    snprintf(line, sizeof(line), "containerd-shim-kata-v2[%d]: %s\n", (int)getpid(), msg);
	if (n > 0) {
		ssize_t ignored =
		    write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line));
		(void)ignored;
	}
}

/* Kata's state for containerd's tasks: per namespace, as containerd's runc shim keeps runc's
 * (KATA_SHIM_ROOT overrides the parent directory). */
int shim_root(const struct shim_flags *f, char *buf, size_t len)
{
	const char *base = getenv("KATA_SHIM_ROOT");
	int n = snprintf(buf, len, "%s/%s", base && *base ? base : "/run/kata-containerd",
			 f->namespace);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int usage(const char *msg)
{
	fprintf(stderr,
		"containerd-shim-kata-v2: %s (usage: -namespace NS -address ADDR -id ID "
		"[-bundle DIR] [-publish-binary BIN] [-debug] start|delete)\n",
		msg);
	return 2;
}

int main(int argc, char **argv)
{
	struct shim_flags f = {.ttrpc_address = getenv("TTRPC_ADDRESS")};
	const char *cmd = NULL;
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
	    {"namespace", offsetof(struct shim_flags, namespace)},
	    {"address", offsetof(struct shim_flags, address)},
	    {"publish-binary", offsetof(struct shim_flags, publish_binary)},
	    {"id", offsetof(struct shim_flags, id)},
	    {"bundle", offsetof(struct shim_flags, bundle)},
	    {"socket", 0}, /* accepted and unused */
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			if (cmd)
				return usage("more than one command given");
			cmd = a;
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		if (!strcmp(a, "v") || !strcmp(a, "version")) {
			printf("containerd-shim-kata-v2: libkata %s (%s)\n", kata_version(),
			       kata_commit());
			return 0;
		}
		if (!strcmp(a, "debug") || !strcmp(a, "debug=true")) {
			f.debug = true;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		bool known = false;
		for (size_t j = 0; j < sizeof(opts) / sizeof(*opts); j++) {
			if (strlen(opts[j].name) != nlen || strncmp(opts[j].name, a, nlen) != 0)
				continue;
			const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v)
				return usage("a flag lacks its value");
			if (opts[j].off || !strcmp(opts[j].name, "namespace"))
				*(const char **)((char *)&f + opts[j].off) = v;
			known = true;
		}
		if (!known) {
			char msg[300];
			snprintf(msg, sizeof(msg), "unknown flag -%.*s", (int)nlen, a);
			return usage(msg);
		}
	}
	if (!cmd)
		return usage("a command (start or delete) is required");
	if (!f.namespace || !*f.namespace || !f.id || !*f.id)
		return usage("-namespace and -id are required");
	if (!strcmp(cmd, "start"))
		return shim_cmd_start(&f) < 0 ? 1 : 0;
	if (!strcmp(cmd, "delete"))
		return shim_cmd_delete(&f) < 0 ? 1 : 0;
	char msg[300];
	snprintf(msg, sizeof(msg), "unknown command %s", cmd);
	return usage(msg);
}
