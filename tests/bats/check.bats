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

@test "check and env: the transport, the accelerator and the shared filesystem, each with its reason" {
	run kata check --verbose
	expect_status 0
	local check=$output
	run kata env
	expect_status 0
	local env=$output
	# Each choice is shown the same way by both: "name (reason)" and name + name_reason.
	local key line
	for key in channel:channel accelerator:accelerator shared_fs:shared_fs; do
		line=$(printf '%s\n' "$check" | grep -E "^ok +${key%%:*} " || true)
		local value reason
		value=$(jq -r ".${key#*:}" <<<"$env")
		reason=$(jq -r ".${key#*:}_reason" <<<"$env")
		[ -n "$value" ] && [ -n "$reason" ] || { echo "env ${key#*:}: [$value] [$reason]" >&2; false; }
		[[ "$line" =~ ^ok\ +${key%%:*}\ +(.*)$ ]] || { echo "no ${key%%:*} line: [$check]" >&2; false; }
		expect_eq "$value ($reason)" "${BASH_REMATCH[1]}" "check's ${key%%:*} line against env"
	done
	if [ ! -e /dev/vhost-vsock ]; then
		expect_eq virtio-serial "$(jq -r .channel <<<"$env")" "channel without /dev/vhost-vsock"
		expect_eq "virtio-serial: /dev/vhost-vsock is missing" "$(jq -r .channel_reason <<<"$env")"
	fi
	# KVM only when a probe VM ran; otherwise TCG says why.
	if [ "$(jq -r .accelerator <<<"$env")" = tcg ]; then
		[[ "$(jq -r .accelerator_reason <<<"$env")" =~ (/dev/kvm|kvm) ]] ||
			{ echo "tcg without a reason naming kvm: [$(jq -r .accelerator_reason <<<"$env")]" >&2; false; }
	fi
}

@test "use_vsock: false forces virtio-serial; true without /dev/vhost-vsock fails create clearly" {
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	printf '{"hypervisor": {"qemu": {"use_vsock": false}}}\n' >"$KATA_CONF_FILE"
	run kata env
	expect_status 0
	expect_eq virtio-serial "$(jq -r .channel <<<"$output")" "channel with use_vsock false"
	expect_eq "virtio-serial: requested by configuration" "$(jq -r .channel_reason <<<"$output")"
	set_args uname -r
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r over a forced virtio-serial channel"
	[ -e /dev/vhost-vsock ] && skip "this host has vhost-vsock: the failure path needs a host without"
	printf '{"hypervisor": {"qemu": {"use_vsock": true}}}\n' >"$KATA_CONF_FILE"
	run kata check --verbose
	expect_status 1
	[[ $output == *"vsock channel requested: opening /dev/vhost-vsock"* ]] ||
		{ echo "expected check to name the missing vhost-vsock, got [$output]" >&2; false; }
	run kata run --bundle "$BUNDLE" c2
	expect_failure_clean "vsock channel requested: opening /dev/vhost-vsock: No such file or directory"
}
