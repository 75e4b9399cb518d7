#!/usr/bin/env bats
# virtio-fs as the shared filesystem (the default where virtiofsd runs, or hypervisor.qemu.shared_fs
# = "virtio-fs"): virtiofsd per VM, serving the rootfs and bind-mounted host directories, gone with
# the VM, its death a VM failure. 9p chosen explicitly: ninep.bats.

load helpers

VIRTIOFSD=/usr/lib/qemu/virtiofsd

setup() {
	[ -x "$VIRTIOFSD" ] || skip "$VIRTIOFSD is missing (Debian: qemu-system-common provides it)"
	setup_kata
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	printf '{"hypervisor": {"qemu": {"shared_fs": "virtio-fs", "virtio_fs_daemon": "%s"}}}\n' \
		"$VIRTIOFSD" >"$KATA_CONF_FILE"
	HOSTDIR=$(mktemp -d /tmp/kata-vfs.XXXXXX)
}
teardown() {
	[ -n "${HOSTDIR:-}" ] || return 0
	rm -rf "$HOSTDIR"
	teardown_kata
}

# virtiofsd processes serving this test's root.
virtiofsd_of_root() {
	pgrep -f -- "^$VIRTIOFSD .*source=$ROOT/" || true
}

@test "virtio-fs: the container sees its rootfs and a bind-mounted host dir over virtiofs" {
	echo "from the host" >"$HOSTDIR/f"
	mkdir "$HOSTDIR/ro"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"$HOSTDIR/ro\", \"options\": [\"rbind\", \"ro\"]}"
	# One line: set_args passes each line as its own argument.
	run_in_container 'cat /data/f; echo written > /data/g; touch /ro/x 2>/dev/null || echo ro-refused; awk "\$2 == \"/\" || \$2 == \"/data\" {print \$2, \$3}" /proc/mounts; ls /bin/busybox'
	expect_status 0
	expect_eq "from the host" "${lines[0]}" "host file read in the container"
	expect_eq ro-refused "${lines[1]}" "read-only bind mount"
	expect_line "/ virtiofs"
	expect_line "/data virtiofs"
	expect_line "/bin/busybox"
	expect_eq written "$(cat "$HOSTDIR/g")" "container write seen on the host"
	[ ! -e "$HOSTDIR/ro/x" ]
	# Without the file, virtio-fs is the default (virtiofsd runs here).
	unset KATA_CONF_FILE
	run_in_container 'awk "\$2 == \"/\" {print \$1, \$3}" /proc/mounts'
	expect_status 0
	expect_eq "none virtiofs" "$output" "root mount without the file"
}

@test "virtio-fs: one virtiofsd per VM in its state directory, gone after delete" {
	printf '{"hypervisor": {"qemu": {"shared_fs": "virtio-fs", "virtio_fs_cache": "always"}}}\n' >"$KATA_CONF_FILE"
	start_sleeper c1
	local pids
	pids=$(virtiofsd_of_root)
	[ -n "$pids" ] || { echo "no virtiofsd for $ROOT: $(pgrep -af virtiofsd)" >&2; false; }
	# virtio_fs_cache reaches virtiofsd.
	[[ " $(tr '\0' ' ' </proc/$(head -1 <<<"$pids")/cmdline) " == *" cache=always "* ]] ||
		{ echo "virtiofsd: $(pgrep -af virtiofsd)" >&2; false; }
	[ -S "$ROOT/c1/vfs.sock" ]
	# Its parent is the monitor (the container's pid), whose mount namespace it shares.
	local monitor first
	monitor=$(kata state c1 | jq .pid)
	first=$(head -1 <<<"$pids")
	expect_eq "$monitor" "$(ps -o ppid= -p "$first" | tr -d ' ')" "virtiofsd's parent"
	kata exec c1 sh -c 'awk "\$2 == \"/\" {print \$3}" /proc/mounts' >"$BUNDLE/out"
	expect_eq virtiofs "$(cat "$BUNDLE/out")" "exec sees the same root"
	kata kill c1 TERM
	wait_status c1
	kata delete c1
	for i in $(seq 50); do [ -z "$(virtiofsd_of_root)" ] && break; sleep 0.1; done
	expect_eq "" "$(virtiofsd_of_root)" "virtiofsd left after delete"
}

@test "virtio-fs: virtiofsd dies with a killed monitor" {
	start_sleeper c1
	local monitor
	monitor=$(kata state c1 | jq .pid)
	[ -n "$(virtiofsd_of_root)" ]
	kill -KILL "$monitor"
	for i in $(seq 50); do [ -z "$(virtiofsd_of_root)" ] && break; sleep 0.1; done
	expect_eq "" "$(virtiofsd_of_root)" "virtiofsd left after the monitor was killed"
}

@test "virtio-fs: virtiofsd killed while the container runs -> VM stopped, status 255, reason logged" {
	unset KATA_CONF_FILE
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata --log "$BUNDLE/log" run --detach --bundle "$BUNDLE" c1 </dev/null
	local monitor vfsd qemu
	monitor=$(kata state c1 | jq .pid)
	vfsd=$(pgrep -P "$monitor" -f -- "^$VIRTIOFSD ")
	qemu=$(pgrep -P "$monitor" -f -- "qemu-system")
	[ -n "$vfsd" ] && [ -n "$qemu" ] || { echo "monitor $monitor's children: $(pgrep -aP "$monitor")" >&2; false; }
	kata exec c1 true
	kill -KILL "$vfsd"
	wait_status c1 20 stopped
	expect_eq 255 "$(jq -r .exit_status "$ROOT/c1/state.json")" "exit status when virtiofsd died"
	grep -q "c1: virtiofsd killed by signal 9 (Killed): the shared filesystem is gone, stopping the VM" \
		"$BUNDLE/log" || { echo "log: [$(cat "$BUNDLE/log")]" >&2; false; }
	for _ in $(seq 50); do process_gone "$qemu" && break; sleep 0.1; done
	process_gone "$qemu" || { echo "QEMU $qemu outlived virtiofsd" >&2; false; }
	expect_eq "" "$(virtiofsd_of_root)" "virtiofsd's sandbox child left"
	kata delete c1
	expect_root_empty
}

@test "virtio-fs: check and env say which shared filesystem is used and whether virtiofsd exists" {
	run kata check --verbose
	expect_status 0
	printf '%s\n' "$output" | grep -qE "^ok +virtiofsd +$VIRTIOFSD$" || { echo "[$output]" >&2; false; }
	printf '%s\n' "$output" | grep -qxF "ok   shared_fs    virtio-fs (hypervisor.qemu.shared_fs of $KATA_CONF_FILE)" || { echo "[$output]" >&2; false; }
	run kata env
	expect_eq virtio-fs "$(jq -r .shared_fs <<<"$output")"
	expect_eq "hypervisor.qemu.shared_fs of $KATA_CONF_FILE" "$(jq -r .shared_fs_reason <<<"$output")"
	expect_eq "$VIRTIOFSD" "$(jq -r .virtio_fs_daemon <<<"$output")"
	expect_eq auto "$(jq -r .virtio_fs_cache <<<"$output")"
	# The default: virtio-fs, because virtiofsd runs.
	unset KATA_CONF_FILE
	run kata check --verbose
	printf '%s\n' "$output" | grep -qxF "ok   shared_fs    virtio-fs (default: virtiofsd $VIRTIOFSD runs)" || { echo "[$output]" >&2; false; }
	run kata env
	expect_eq virtio-fs "$(jq -r .shared_fs <<<"$output")"
	expect_eq "default: virtiofsd $VIRTIOFSD runs" "$(jq -r .shared_fs_reason <<<"$output")"
	# No usable virtiofsd and no shared_fs: 9p, saying why.
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	printf '#!/bin/sh\nexit 1\n' >"$BUNDLE/broken-virtiofsd"
	chmod +x "$BUNDLE/broken-virtiofsd"
	for daemon in /nonexistent/virtiofsd "$BUNDLE/broken-virtiofsd"; do
		printf '{"hypervisor": {"qemu": {"virtio_fs_daemon": "%s"}}}\n' "$daemon" >"$KATA_CONF_FILE"
		run kata check --verbose
		expect_status 0
		printf '%s\n' "$output" | grep -qE "^ok +shared_fs +virtio-9p \(default: virtio-fs unavailable \($daemon.*\)\)$" || { echo "[$output]" >&2; false; }
		run kata env
		expect_eq virtio-9p "$(jq -r .shared_fs <<<"$output")"
	done
	expect_eq "default: virtio-fs unavailable ($BUNDLE/broken-virtiofsd --version exited with status 1)" \
		"$(jq -r .shared_fs_reason <<<"$output")"
}
