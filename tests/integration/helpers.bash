# Helpers for client integration tests (podman, containerd, docker): each test file runs its
# client with private state under a temporary directory and removes it afterwards.

# The shared assertions (expect_eq, expect_status, ...) and KATA_BUILD/KATA_BIN/GUEST_RELEASE.
source "$BATS_TEST_DIRNAME/../bats/helpers.bash"

# Installs Debian packages the client needs when they are missing.
need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A busybox image tarball made from the bundled rootfs (no registry needed).
busybox_tarball() {
	local out=$1 tmp
	tmp=$(mktemp -d)
	cp -a "$KATA_BUILD/bundle/rootfs/." "$tmp/"
	tar -C "$tmp" -cf "$out" .
	rm -rf "$tmp"
}

# No QEMU or monitor of ours may outlive the test: they carry the kata root in their paths.
expect_no_vms() {
	local left
	left=$(pgrep -af -- "$1" | grep -E 'qemu|kata' || true)
	if [ -n "$left" ]; then
		echo "left behind: [$left]" >&2
		return 1
	fi
}

# containerd_start DIR: a private containerd (config, state, sockets under DIR), with
# $KATA_BUILD first on its PATH so it finds build/containerd-shim-kata-v2; extra environment
# for containerd (and so for its shims) can be given as NAME=VALUE arguments. Exports
# CONTAINERD_ADDRESS; the pid is kept in DIR/containerd.pid.
containerd_start() {
	local dir=$1
	shift
	cat >"$dir/config.toml" <<CONF
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd-ttrpc.sock"
[debug]
  address = "$dir/debug.sock"
CONF
	env PATH="$KATA_BUILD:$PATH" "$@" containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
	echo $! >"$dir/containerd.pid"
	export CONTAINERD_ADDRESS=$dir/containerd.sock
	local i
	for i in $(seq 100); do ctr version >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "containerd did not come up: $(tail -5 "$dir/containerd.log")" >&2
	return 1
}

# containerd_import_busybox DIR NAME: imports the bundled busybox as image NAME (via podman).
containerd_import_busybox() {
	local dir=$1 name=$2
	busybox_tarball "$dir/busybox.tar"
	podman --root "$dir/pm" --runroot "$dir/pmrun" import -q "$dir/busybox.tar" "$name" >/dev/null
	podman --root "$dir/pm" --runroot "$dir/pmrun" save --format oci-archive -o "$dir/busybox.oci" "$name" >/dev/null 2>&1
	podman --root "$dir/pm" --runroot "$dir/pmrun" system reset -f >/dev/null 2>&1 || true
	ctr image import --base-name "${name%:*}" "$dir/busybox.oci" >/dev/null
}

# containerd_stop DIR: removes every container, stops containerd, unmounts and removes DIR.
containerd_stop() {
	local dir=$1 c
	for c in $(ctr containers ls -q 2>/dev/null); do
		ctr task kill -s SIGKILL "$c" >/dev/null 2>&1 || true
		ctr task delete -f "$c" >/dev/null 2>&1 || true
		ctr containers delete "$c" >/dev/null 2>&1 || true
	done
	kill "$(cat "$dir/containerd.pid")" 2>/dev/null || true
	sleep 1
	umount -R "$dir/root" 2>/dev/null || true
	umount -R "$dir/state" 2>/dev/null || true
	rm -rf "$dir"
}
