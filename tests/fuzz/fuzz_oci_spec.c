/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci_spec_parse on arbitrary bytes: config.json is written by whoever prepared the bundle,
 * and a runtime running as root must refuse it cleanly whatever it holds. The bundle is a
 * temporary directory with an empty rootfs/, so "rootfs" and relative root.path resolve.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci_spec.h"

static char fuzz_bundle[] = "/tmp/kata-fuzz-bundle.XXXXXX";

static char fuzz_rootfs[sizeof(fuzz_bundle) + 8];

static void remove_bundle(void)
{
	rmdir(fuzz_rootfs);
	rmdir(fuzz_bundle);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(fuzz_bundle))
		abort();
	snprintf(fuzz_rootfs, sizeof(fuzz_rootfs), "%s/rootfs", fuzz_bundle);
	if (mkdir(fuzz_rootfs, 0755) < 0)
		abort();
	atexit(remove_bundle);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	struct kata_error err = {0};
	struct oci_spec *spec = NULL;
	int rc = oci_spec_parse(json, fuzz_bundle, &spec, &err);
	if (rc < 0) {
		/* Every refusal must say why, and say it on one line. */
		if (!err.msg[0] || strchr(err.msg, '\n') || spec)
			abort();
	} else {
		if (!spec || !spec->rootfs || !spec->spec || !spec->spec->root)
			abort();
		/* The spec travels to the agent packed: packing must not trip on what was parsed.
		 */
		size_t len = protobuf_c_message_get_packed_size(&spec->spec->base);
		uint8_t *buf = malloc(len ? len : 1);
		if (buf)
			protobuf_c_message_pack(&spec->spec->base, buf);
		free(buf);
	}
	oci_spec_free(spec);
	free(json);
	return 0;
}
