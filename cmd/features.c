/* SPDX-License-Identifier: Apache-2.0 */
/* kata features: the OCI runtime features JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

int cmd_features(struct kata_context *ctx, int argc, char **argv, struct kata_error *err)
{
	if (argc > 1)
		return cmd_error(err, 22, "features: unexpected argument \"%s\"", argv[1]);
	char *json = NULL;
	int rc = kata_features_json(&json, err);
	if (rc < 0)
		return rc;
	printf("%s\n", json);
	free(json);
	return 0;
}
