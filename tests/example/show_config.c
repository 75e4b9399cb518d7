/* SPDX-License-Identifier: Apache-2.0 */
/*
 * show_config: prints the runtime configuration libkata resolves for this program (QEMU, the
 * guest kernel and initramfs it found, memory, accelerator) as JSON.
 *
 *   cc -o show_config show_config.c $(pkg-config --cflags --libs kata)
 */
#include <stdio.h>
#include <stdlib.h>

#include <kata.h>

int main(void)
{
	struct kata_context ctx = {0};
	struct kata_error err = {0};
	char *json = NULL;
	if (kata_env_json(&ctx, &json, &err) < 0) {
		fprintf(stderr, "show_config: %s\n", err.msg);
		return 1;
	}
	puts(json);
	free(json);
	return 0;
}
