/* SPDX-License-Identifier: Apache-2.0 */
/* kata check [--verbose]: exit 0 when this host can run kata; --verbose lists each check. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

int cmd_check(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	static const char *const names[] = {"verbose", NULL};
	bool verbose = false;
	int rc = cmd_parse_bool_flags(argc, argv, "check", names, "v", &verbose, err);
	if (rc < 0)
		return rc;
	if (rc < argc)
		return cmd_error(err, 22, "check: unexpected argument \"%s\"", argv[rc]);
	struct kata_check_item *items = NULL;
	size_t n = 0;
	int failed = kata_host_check(&items, &n, err);
	if (failed < 0)
		return failed;
	for (size_t i = 0; i < n; i++)
		if (verbose || !items[i].ok)
			printf("%-4s %-12s %s\n", items[i].ok ? "ok" : "FAIL", items[i].name,
			       items[i].detail);
	free(items);
	/* The verdict on stderr comes after the list. */
	fflush(stdout);
	if (failed > 0)
		return cmd_error(err, 95, "this host cannot run kata: %d check%s failed", failed,
				 failed > 1 ? "s" : "");
	if (verbose)
		printf("this host can run kata\n");
	return 0;
}
