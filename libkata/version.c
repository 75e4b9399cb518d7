/* SPDX-License-Identifier: Apache-2.0 */
/* Build facts for `kata version`. */
#include "kata.h"

const char *kata_commit(void)
{
	return KATA_COMMIT;
}

const char *kata_spec_version(void)
{
	return "1.0.2";
}

/*
 * As crun prints them: what this build applies to containers. The agent (guest) applies
 * seccomp (libseccomp) and capabilities (libcap); the host parses with yajl, speaks ttrpc with
 * protobuf-c and boots QEMU microvm guests sharing the rootfs over 9p. No SELinux, AppArmor,
 * CRIU or systemd cgroups: those are left out rather than faked.
 */
const char *kata_build_features(void)
{
	return "+SECCOMP +CAP +YAJL +PROTOBUF-C +TTRPC +QEMU-MICROVM +9P +VSOCK +VIRTIO-SERIAL "
	       "+CGROUPV2";
}
