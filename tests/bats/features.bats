#!/usr/bin/env bats
# kata features: the OCI runtime features document, truthful about what kata applies; and the
# runc commands kata cannot offer (checkpoint, restore) refuse clearly.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "features: the runtime-spec features document" {
	run kata features
	expect_status 0
	local f=$output
	expect_eq 1.0.0 "$(jq -r .ociVersionMin <<<"$f")"
	expect_eq 1.0.2 "$(jq -r .ociVersionMax <<<"$f")"
	# The host-side hooks; createContainer and startContainer (in the guest) are refused.
	expect_eq '["prestart","createRuntime","poststart","poststop"]' "$(jq -c .hooks <<<"$f")"
	expect_eq true "$(jq '.mountOptions | index("nosuid") != null' <<<"$f")"
	expect_eq true "$(jq '.mountOptions | index("rbind") != null' <<<"$f")"
	# Time namespaces (and joining paths) are refused, so not listed.
	expect_eq "cgroup ipc mount network pid user uts" "$(jq -r '.linux.namespaces | join(" ")' <<<"$f")"
	expect_eq true "$(jq '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$f")"
	expect_eq true "$(jq .linux.cgroup.v2 <<<"$f")"
	expect_eq false "$(jq .linux.cgroup.v1 <<<"$f")"
	expect_eq true "$(jq .linux.seccomp.enabled <<<"$f")"
	expect_eq true "$(jq '.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null' <<<"$f")"
	expect_eq false "$(jq '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null' <<<"$f")"
	expect_eq true "$(jq '.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ") != null' <<<"$f")"
	expect_eq true "$(jq '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' <<<"$f")"
	expect_eq false "$(jq .linux.apparmor.enabled <<<"$f")"
	expect_eq false "$(jq .linux.selinux.enabled <<<"$f")"
	expect_eq qemu-microvm "$(jq -r '.annotations["io.github.kata.hypervisor"]' <<<"$f")"
}

@test "features: what it lists is accepted: a config with a listed seccomp action and mount option runs" {
	set_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/d 2>/dev/null && echo made || echo refused'
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq refused "$output"
}

@test "checkpoint and restore are refused" {
	start_sleeper c1
	run kata checkpoint --image-path "$BATS_TEST_TMPDIR/img" c1
	[ "$status" -ne 0 ]
	expect_eq "kata: checkpoint is not supported: the container runs inside a VM" "$output"
	run kata restore --image-path "$BATS_TEST_TMPDIR/img" c2
	[ "$status" -ne 0 ]
	expect_eq "kata: restore is not supported: the container runs inside a VM" "$output"
	expect_eq running "$(state_status c1)"
	[ ! -e "$ROOT/c2" ]
}
