#!/usr/bin/env bats
# virtio-9p chosen explicitly (hypervisor.qemu.shared_fs = "virtio-9p"): QEMU's own 9p server
# shares the rootfs and bind mounts; no virtiofsd runs. The rest of the suite runs on the
# default, virtio-fs where virtiofsd runs (virtiofs.bats).

load helpers

setup() {
	setup_kata
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	echo '{"hypervisor": {"qemu": {"shared_fs": "virtio-9p"}}}' >"$KATA_CONF_FILE"
	HOSTDIR=$(mktemp -d /tmp/kata-9p.XXXXXX)
}
teardown() {
	[ -n "${HOSTDIR:-}" ] || return 0
	rm -rf "$HOSTDIR"
	teardown_kata
}

@test "9p: the container sees its rootfs and bind-mounted host dirs over 9p" {
	echo "from the host" >"$HOSTDIR/f"
	mkdir "$HOSTDIR/ro"
	echo "a file" >"$HOSTDIR/single"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"$HOSTDIR/ro\", \"options\": [\"rbind\", \"ro\"]}"
	add_mount "{\"destination\": \"/etc/single\", \"type\": \"bind\", \"source\": \"$HOSTDIR/single\", \"options\": [\"bind\", \"ro\"]}"
	run_in_container 'cat /data/f; echo written > /data/g; touch /ro/x 2>/dev/null || echo ro-refused; cat /etc/single; awk "\$2 == \"/\" {print \$1, \$3}" /proc/mounts; ls /bin/busybox'
	expect_status 0
	expect_eq "from the host" "${lines[0]}" "host file read in the container"
	expect_eq ro-refused "${lines[1]}" "read-only bind mount"
	expect_eq "a file" "${lines[2]}" "single-file bind mount"
	expect_line "kataShared 9p"
	expect_line "/bin/busybox"
	expect_eq written "$(cat "$HOSTDIR/g")" "container write seen on the host"
	[ ! -e "$HOSTDIR/ro/x" ]
}

@test "9p: no virtiofsd runs, and exec sees the same 9p root" {
	start_sleeper c1
	local monitor
	monitor=$(kata state c1 | jq .pid)
	expect_eq "" "$(pgrep -aP "$monitor" -f virtiofsd || true)" "virtiofsd under a 9p VM"
	[ ! -e "$ROOT/c1/vfs.sock" ]
	kata exec c1 sh -c 'awk "\$2 == \"/\" {print \$3}" /proc/mounts' >"$BUNDLE/out"
	expect_eq 9p "$(cat "$BUNDLE/out")" "exec's root filesystem type"
	kata kill c1 TERM
	wait_status c1
	kata delete c1
	expect_root_empty
}

@test "9p: check and env say 9p and why" {
	run kata check --verbose
	expect_status 0
	printf '%s\n' "$output" | grep -qxF "ok   shared_fs    virtio-9p (hypervisor.qemu.shared_fs of $KATA_CONF_FILE)" || { echo "[$output]" >&2; false; }
	printf '%s\n' "$output" | grep -qE "^ok +9p +virtio-9p-device available$" || { echo "[$output]" >&2; false; }
	run kata env
	expect_status 0
	expect_eq virtio-9p "$(jq -r .shared_fs <<<"$output")"
	expect_eq "hypervisor.qemu.shared_fs of $KATA_CONF_FILE" "$(jq -r .shared_fs_reason <<<"$output")"
}
