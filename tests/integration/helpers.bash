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

# Waits up to 60 s for the tmux pane of session $1 (server $2) to show $3.
wait_pane() {
	local i
	for i in $(seq 300); do
		tmux -L "$2" capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$3" && return 0
		sleep 0.2
	done
	echo "tmux pane: expected [$3], got: [$(tmux -L "$2" capture-pane -p -t "$1" 2>/dev/null)]" >&2
	return 1
}

# interactive_shell_check NAME CODE COMMAND: runs COMMAND (a client starting `sh` with -it)
# under a real terminal (tmux), types commands and checks they ran in the VM on a pty, then
# exits the shell with CODE and checks that the client exited with CODE too.
interactive_shell_check() {
	local name=$1 code=$2 cmd=$3 srv=kata-$1-$$ s=it
	tmux -L "$srv" new-session -d -s "$s" -x 120 -y 30 "$cmd; echo $name-exit=\$?; sleep 600"
	wait_pane "$s" "$srv" '/ #' || { tmux -L "$srv" kill-server; return 1; }
	tmux -L "$srv" send-keys -t "$s" 'echo typed-$((6*7)); uname -r; tty' Enter
	wait_pane "$s" "$srv" typed-42 &&
		wait_pane "$s" "$srv" "$GUEST_RELEASE" &&
		wait_pane "$s" "$srv" /dev/pts/0 || { tmux -L "$srv" kill-server; return 1; }
	tmux -L "$srv" send-keys -t "$s" "exit $code" Enter
	wait_pane "$s" "$srv" "$name-exit=$code" || { tmux -L "$srv" kill-server; return 1; }
	tmux -L "$srv" kill-server
}

# wait_for_output TEXT CMD...: up to 30 s for CMD's output (e.g. a client's `logs`) to hold TEXT.
wait_for_output() {
	local text=$1 i out=""
	shift
	for i in $(seq 150); do
		out=$("$@" 2>&1) && [[ $out == *"$text"* ]] && return 0
		sleep 0.2
	done
	echo "$*: expected output containing [$text], got [$out]" >&2
	return 1
}
