#!/usr/bin/env bats
# podman drives kata unchanged: `podman --runtime kata run ...` boots a micro-VM per container.

load helpers

setup_file() {
	need_packages podman conmon netavark crun iptables
	export PODMAN_TMP=$(mktemp -d /tmp/kata-podman.XXXXXX)
	export KATA_ROOT_DIR=$PODMAN_TMP/kata-root
	# A kata wrapper named kata (podman passes --log/--log-format only to runtimes it knows by
	# name) that keeps this test's containers under a private --root.
	mkdir -p "$PODMAN_TMP/bin"
	printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$KATA_BIN" "$KATA_ROOT_DIR" >"$PODMAN_TMP/bin/kata"
	chmod +x "$PODMAN_TMP/bin/kata"
	cat >"$PODMAN_TMP/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "kata"
[engine.runtimes]
kata = ["$PODMAN_TMP/bin/kata"]
CONF
	export CONTAINERS_CONF=$PODMAN_TMP/containers.conf
	busybox_tarball "$PODMAN_TMP/busybox.tar"
	pm import -q "$PODMAN_TMP/busybox.tar" localhost/kata-busybox:latest >/dev/null
}

teardown_file() {
	pm rm -af -t 0 >/dev/null 2>&1 || true
	pm system reset -f >/dev/null 2>&1 || true
	umount -R "$PODMAN_TMP/storage" 2>/dev/null || true
	rm -rf "$PODMAN_TMP"
}

# podman with this test's private storage.
pm() {
	podman --root "$PODMAN_TMP/storage" --runroot "$PODMAN_TMP/run" --tmpdir "$PODMAN_TMP/tmp" "$@"
}

@test "podman: run prints the guest kernel release" {
	run pm run --rm --network none localhost/kata-busybox uname -r
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r under podman"
	[ "$output" != "$(uname -r)" ]
}

@test "podman: exit codes propagate (0, 42)" {
	run pm run --rm --network none localhost/kata-busybox true
	expect_status 0
	run pm run --rm --network none localhost/kata-busybox sh -c 'exit 42'
	expect_status 42
}

@test "podman: stdin is piped with -i" {
	run bash -c "echo piped-in | podman --root '$PODMAN_TMP/storage' --runroot '$PODMAN_TMP/run' --tmpdir '$PODMAN_TMP/tmp' run --rm -i --network none localhost/kata-busybox cat"
	expect_status 0
	expect_eq piped-in "$output"
}

@test "podman: /etc/hosts and /etc/hostname written by podman are visible inside the VM" {
	run pm run --rm --network none --hostname kata-host localhost/kata-busybox sh -c 'hostname; cat /etc/hostname'
	expect_status 0
	expect_eq kata-host "${lines[0]}" "hostname"
	expect_eq kata-host "${lines[1]}" "/etc/hostname"
}

@test "podman: detached run, stop (SIGTERM trapped), rm leave nothing behind" {
	run pm run -d --name c1 --network none localhost/kata-busybox sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
	expect_status 0
	run pm inspect -f '{{.State.Status}}' c1
	expect_eq running "$output" "status"
	run pm stop -t 20 c1
	expect_status 0
	run pm inspect -f '{{.State.ExitCode}}' c1
	expect_eq 0 "$output" "exit code after stop"
	run pm rm c1
	expect_status 0
	expect_no_vms "$KATA_ROOT_DIR"
	[ -z "$(ls -A "$KATA_ROOT_DIR" 2>/dev/null)" ] || { echo "state left: $(ls -A "$KATA_ROOT_DIR")" >&2; false; }
}

@test "podman: kill with SIGKILL reports 137" {
	run pm run -d --name c2 --network none localhost/kata-busybox sleep 600
	expect_status 0
	pm kill -s KILL c2
	run pm wait c2
	expect_eq 137 "$output" "exit code after SIGKILL"
	pm rm c2
	expect_no_vms "$KATA_ROOT_DIR"
}

@test "podman: the default network (netavark bridge) reaches its gateway from the guest" {
	run pm run --rm localhost/kata-busybox sh -c 'ip -o -4 addr show eth0 | grep -o "inet [0-9.]*"; gw=$(ip route | awk "/^default/{print \$3}"); echo "gw=$gw"; ping -c 2 -W 5 "$gw" >/dev/null && echo ping-ok'
	expect_status 0
	[[ "${lines[0]}" == "inet 10."* ]] || { echo "eth0 address: expected inet 10.x, got [${lines[0]}]" >&2; false; }
	[[ "${lines[1]}" == gw=10.* ]] || { echo "default route: expected gw=10.x, got [${lines[1]}]" >&2; false; }
	expect_eq ping-ok "${lines[2]}" "ping of the gateway; output: [$output]"
	expect_no_vms "$KATA_ROOT_DIR"
}

@test "podman: -p publishes a port served inside the VM" {
	run pm run -d --name web -p 18089:8080 localhost/kata-busybox sh -c 'echo from-kata-$$ >/tmp/index.html; exec httpd -f -p 8080 -h /tmp'
	expect_status 0
	local host_ip got="" i
	host_ip=$(ip -4 -o route get 1.1.1.1 | grep -o 'src [0-9.]*' | cut -d' ' -f2)
	for i in $(seq 50); do
		got=$(timeout 3 busybox wget -q -O - "http://$host_ip:18089/index.html" 2>/dev/null) && break
		sleep 0.3
	done
	[[ "$got" == from-kata-* ]] || { echo "wget $host_ip:18089: expected from-kata-*, got [$got]" >&2; false; }
	pm rm -f -t 0 web
	expect_no_vms "$KATA_ROOT_DIR"
}

@test "podman: run -it under a real terminal (tmux): typed commands run in the VM" {
	interactive_shell_check podman 3 \
		"env CONTAINERS_CONF='$CONTAINERS_CONF' podman --root '$PODMAN_TMP/storage' --runroot '$PODMAN_TMP/run' --tmpdir '$PODMAN_TMP/tmp' run -it --rm --network none localhost/kata-busybox sh"
	expect_no_vms "$KATA_ROOT_DIR"
}

@test "podman: exec (status propagated), kill with a trapped signal, stop escalates to SIGKILL" {
	run pm run -d --name c3 --network none localhost/kata-busybox sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 1; done'
	expect_status 0
	wait_for_output "ready" pm logs c3
	run pm exec c3 sh -c 'echo from-exec; uname -r; exit 7'
	expect_status 7
	expect_eq from-exec "${lines[0]}" "exec output"
	expect_eq "$GUEST_RELEASE" "${lines[1]}" "exec runs in the guest"
	pm kill -s USR1 c3
	wait_for_output "got-usr1" pm logs c3
	expect_eq running "$(pm inspect -f '{{.State.Status}}' c3)" "status after the trapped signal"
	# The shell traps only USR1: as PID 1 it ignores SIGTERM, so stop must escalate.
	run pm stop -t 2 c3
	expect_status 0
	expect_eq 137 "$(pm inspect -f '{{.State.ExitCode}}' c3)" "exit code after stop's SIGKILL"
	pm rm c3
	expect_no_vms "$KATA_ROOT_DIR"
}
