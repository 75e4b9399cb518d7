#!/usr/bin/env bats
# kata check and kata env: can this host run kata, and with what.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "check: this host passes; --verbose lists every check" {
	run kata check
	expect_status 0
	expect_eq "" "$output"
	run kata check --verbose
	expect_status 0
	local name
	for name in qemu kernel initrd accelerator 9p channel; do
		printf '%s\n' "$output" | grep -qE "^ok +$name " || { echo "no ok line for $name: [$output]" >&2; false; }
	done
	expect_line "this host can run kata"
}

@test "check: a missing guest kernel or QEMU fails and says which" {
	KATA_KERNEL=/nonexistent/vmlinux run kata check
	[ "$status" -ne 0 ]
	[[ "${lines[0]}" =~ ^FAIL\ +kernel\ +KATA_KERNEL=/nonexistent/vmlinux ]] || { echo "[$output]" >&2; false; }
	expect_eq "kata: this host cannot run kata: 1 check failed" "${lines[1]}"
	KATA_QEMU=/nonexistent/qemu run kata check -v
	[ "$status" -ne 0 ]
	[[ "$output" =~ FAIL\ +qemu\ +qemu\ \"/nonexistent/qemu\" ]] || { echo "[$output]" >&2; false; }
}

@test "env: the resolved configuration as JSON" {
	run kata env
	expect_status 0
	expect_eq "$ROOT" "$(jq -r .root <<<"$output")"
	expect_eq "$KATA_BUILD/guest/vmlinux" "$(jq -r .kernel <<<"$output")"
	expect_eq "$KATA_BUILD/guest/initramfs.cpio" "$(jq -r .initrd <<<"$output")"
	[[ "$(jq -r .accelerator <<<"$output")" =~ ^(kvm|tcg)$ ]]
	[[ "$(jq -r .channel <<<"$output")" =~ ^(vsock|virtio-serial)$ ]]
	expect_eq 128 "$(jq .memory_mib <<<"$output")"
	KATA_MEMORY_MIB=512 KATA_VCPUS=2 run kata env
	expect_eq 512 "$(jq .memory_mib <<<"$output")"
	expect_eq 2 "$(jq .vcpus <<<"$output")"
	KATA_INITRD=/nonexistent run kata env
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: KATA_INITRD=/nonexistent: No such file or directory" ]]
}
