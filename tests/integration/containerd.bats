#!/usr/bin/env bats
# containerd drives kata through its runc shim (the path docker uses):
#   ctr run --runtime io.containerd.runc.v2 --runc-binary kata ...

load helpers

setup_file() {
	need_packages containerd podman
	export CTR_TMP=$(mktemp -d /tmp/kata-ctr.XXXXXX)
	export KATA_ROOT_DIR=/run/containerd/runc/kata-it
	cat >"$CTR_TMP/config.toml" <<CONF
version = 2
root = "$CTR_TMP/root"
state = "$CTR_TMP/state"
[grpc]
  address = "$CTR_TMP/containerd.sock"
[ttrpc]
  address = "$CTR_TMP/containerd-ttrpc.sock"
[debug]
  address = "$CTR_TMP/debug.sock"
CONF
	containerd --config "$CTR_TMP/config.toml" >"$CTR_TMP/containerd.log" 2>&1 &
	echo $! >"$CTR_TMP/containerd.pid"
	export CONTAINERD_ADDRESS=$CTR_TMP/containerd.sock CONTAINERD_NAMESPACE=kata-it
	for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
	# An OCI archive of the bundled busybox, made with podman (no registry needed).
	busybox_tarball "$CTR_TMP/busybox.tar"
	podman --root "$CTR_TMP/pm" --runroot "$CTR_TMP/pmrun" import -q "$CTR_TMP/busybox.tar" localhost/kata-busybox:latest >/dev/null
	podman --root "$CTR_TMP/pm" --runroot "$CTR_TMP/pmrun" save --format oci-archive -o "$CTR_TMP/busybox.oci" localhost/kata-busybox:latest >/dev/null 2>&1
	podman --root "$CTR_TMP/pm" --runroot "$CTR_TMP/pmrun" system reset -f >/dev/null 2>&1 || true
	ctr image import --base-name localhost/kata-busybox "$CTR_TMP/busybox.oci" >/dev/null
}

teardown_file() {
	local c
	for c in $(ctr containers ls -q 2>/dev/null); do
		ctr task kill -s SIGKILL "$c" >/dev/null 2>&1 || true
		ctr task delete -f "$c" >/dev/null 2>&1 || true
		ctr containers delete "$c" >/dev/null 2>&1 || true
	done
	kill "$(cat "$CTR_TMP/containerd.pid")" 2>/dev/null || true
	sleep 1
	umount -R "$CTR_TMP/root" 2>/dev/null || true
	umount -R "$CTR_TMP/state" 2>/dev/null || true
	rm -rf "$CTR_TMP"
}

R=(--runtime io.containerd.runc.v2 --runc-binary "$KATA_BIN")
IMG=localhost/kata-busybox:latest

@test "containerd: ctr run prints the guest kernel release" {
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" c1 uname -r
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r under containerd"
}

@test "containerd: exit code 42 propagates" {
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" c2 sh -c 'exit 42'
	expect_status 42
}

@test "containerd: detached task, exec (status propagated), ps, kill, delete" {
	timeout 120 ctr run -d "${R[@]}" "$IMG" c3 sleep 600
	run timeout 120 ctr task exec --exec-id e1 c3 sh -c 'echo from-exec; exit 7'
	expect_status 7
	expect_eq from-exec "$output" "exec output"
	run timeout 60 ctr task ps c3
	expect_status 0
	[ "$(echo "$output" | tail -n +2 | grep -c .)" -ge 1 ] || { echo "ps: [$output]" >&2; false; }
	ctr task kill -s SIGKILL c3
	for _ in $(seq 100); do
		[ "$(ctr task ls | awk '$1=="c3"{print $3}')" = STOPPED ] && break
		sleep 0.2
	done
	expect_eq STOPPED "$(ctr task ls | awk '$1=="c3"{print $3}')" "task status"
	ctr task delete c3
	ctr containers delete c3
	expect_no_vms "kata:$KATA_ROOT_DIR/c3"
	[ ! -e "$KATA_ROOT_DIR/c3" ] || { echo "state left in $KATA_ROOT_DIR/c3" >&2; false; }
}

@test "containerd: ctr run -t under a real terminal (tmux): typed commands run in the VM" {
	interactive_shell_check ctr 6 \
		"env CONTAINERD_ADDRESS='$CONTAINERD_ADDRESS' CONTAINERD_NAMESPACE='$CONTAINERD_NAMESPACE' ctr run -t --rm --runtime io.containerd.runc.v2 --runc-binary '$KATA_BIN' $IMG c4 sh"
	expect_no_vms "kata:$KATA_ROOT_DIR/c4"
}
