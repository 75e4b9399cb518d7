/* SPDX-License-Identifier: Apache-2.0 */
/* kata factory init | status [--format table|json] | destroy: the pool of booted VMs and
 * the VM template. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int no_more_args(int argc, char **argv, const char *sub, struct kata_error *err)
{
	if (argc > 2)
		return cmd_error(err, 22, "factory %s: unexpected argument \"%s\"", sub, argv[2]);
	return 0;
}

/* s as a JSON string (the factory directory comes from the environment). */
static void print_json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static int status(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	bool json = false;
	for (int i = 2; i < argc; i++) {
		const char *f = NULL;
		if (strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "-f") == 0) {
			if (i + 1 >= argc)
				return cmd_error(err, 22, "factory status: %s needs a value",
						 argv[i]);
			f = argv[++i];
		} else if (strncmp(argv[i], "--format=", 9) == 0) {
			f = argv[i] + 9;
		} else {
			return cmd_error(err, 22, "factory status: unknown flag \"%s\"", argv[i]);
		}
		if (strcmp(f, "json") == 0)
			json = true;
		else if (strcmp(f, "table") != 0)
			return cmd_error(
			    err, 22, "factory status: --format must be table or json, not \"%s\"",
			    f);
	}
	struct kata_factory_vm *v = NULL;
	size_t n = 0;
	unsigned target = 0;
	struct kata_factory_template t;
	int rc = kata_factory_template_status(ctx, &t, err);
	if (rc < 0 || (rc = kata_factory_status(ctx, &v, &n, &target, err)) < 0)
		return rc;
	size_t ready = 0;
	for (size_t i = 0; i < n; i++)
		ready += strcmp(v[i].state, "ready") == 0;
	if (json) {
		printf("{\"template\":{\"enabled\":%s,\"ready\":%s,\"path\":",
		       t.enabled ? "true" : "false", t.ready ? "true" : "false");
		print_json_string(t.path);
		printf(",\"memory_bytes\":%llu},", t.memory_bytes);
		printf("\"vm_cache_number\":%u,\"ready\":%zu,\"vms\":[", target, ready);
		for (size_t i = 0; i < n; i++)
			printf("%s{\"name\":\"%s\",\"state\":\"%s\",\"keeper_pid\":%d}",
			       i ? "," : "", v[i].name, v[i].state, v[i].keeper_pid);
		printf("]}\n");
	} else {
		if (!t.enabled)
			printf("template: disabled (factory.enable_template)\n");
		else if (t.ready)
			printf("template: ready, %s, %.1f MiB of guest RAM\n", t.path,
			       (double)t.memory_bytes / (1024 * 1024));
		else
			printf("template: none saved for this configuration (kata factory init)\n");
		printf("vm_cache_number: %u, ready: %zu\n", target, ready);
		printf("%-12s %-8s %s\n", "NAME", "STATE", "KEEPER");
		for (size_t i = 0; i < n; i++)
			printf("%-12s %-8s %d\n", v[i].name, v[i].state, v[i].keeper_pid);
	}
	free(v);
	return 0;
}

int cmd_factory(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	if (argc < 2)
		return cmd_error(err, 22, "factory: expected init, status or destroy");
	const char *sub = argv[1];
	unsigned count = 0;
	int rc;
	if (strcmp(sub, "init") == 0) {
		struct kata_factory_template t;
		if ((rc = no_more_args(argc, argv, sub, err)) < 0 ||
		    (rc = kata_factory_init(ctx, &count, err)) < 0 ||
		    (rc = kata_factory_template_status(ctx, &t, err)) < 0)
			return rc;
		if (t.ready)
			printf("factory: template ready at %s\n", t.path);
		printf("factory: %u VM%s booted\n", count, count == 1 ? "" : "s");
		return 0;
	}
	if (strcmp(sub, "status") == 0)
		return status(ctx, argc, argv, err);
	if (strcmp(sub, "destroy") == 0) {
		if ((rc = no_more_args(argc, argv, sub, err)) < 0 ||
		    (rc = kata_factory_destroy(ctx, &count, err)) < 0)
			return rc;
		printf("factory: %u VM%s stopped\n", count, count == 1 ? "" : "s");
		return 0;
	}
	return cmd_error(err, 22, "factory: unknown subcommand \"%s\" (init, status, destroy)",
			 sub);
}
