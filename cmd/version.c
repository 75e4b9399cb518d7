/* SPDX-License-Identifier: Apache-2.0 */
/* kata version (and kata --version): version, commit, spec and compiled-in features. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"

void cmd_print_version(void)
{
	printf("kata version %s\ncommit: %s\nspec: %s\n%s\n", kata_version(), kata_commit(),
	       kata_spec_version(), kata_build_features());
}

int cmd_version(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	if (argc > 1)
		return cmd_error(err, 22, "version: unexpected argument \"%s\"", argv[1]);
	cmd_print_version();
	return 0;
}
