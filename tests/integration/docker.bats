#!/usr/bin/env bats
# docker drives kata unchanged: a private dockerd (and the containerd it starts) with kata as a
# runtime, `docker run --runtime kata ...`. docker's default bridge networking is a prestart
# hook (libnetwork-setkey) that fills the network namespace of the state's pid.

load helpers

setup_file() {
	need_packages docker.io podman iptables
	export DK_TMP=$(mktemp -d /tmp/kata-docker.XXXXXX)
	export KATA_ROOT_DIR=$DK_TMP/exec/runtime-runc/moby
	# dockerd leaves its docker0 bridge behind: removed in teardown when it was ours.
	ip link show docker0 >/dev/null 2>&1 && export DOCKER0_WAS_THERE=1 || export DOCKER0_WAS_THERE=
	cat >"$DK_TMP/daemon.json" <<JSON
{"data-root": "$DK_TMP/data", "exec-root": "$DK_TMP/exec", "pidfile": "$DK_TMP/docker.pid",
 "hosts": ["unix://$DK_TMP/docker.sock"], "runtimes": {"kata": {"path": "$KATA_BIN"}}}
JSON
	dockerd --config-file "$DK_TMP/daemon.json" >"$DK_TMP/dockerd.log" 2>&1 &
	echo $! >"$DK_TMP/dockerd.launch.pid"
	local i
	for i in $(seq 150); do dk version >/dev/null 2>&1 && break; sleep 0.2; done
	dk version >/dev/null || { tail -20 "$DK_TMP/dockerd.log" >&3; return 1; }
	# A docker archive of the bundled busybox, made with podman (no registry needed).
	busybox_tarball "$DK_TMP/busybox.tar"
	local pm=(podman --root "$DK_TMP/pm" --runroot "$DK_TMP/pmrun")
	"${pm[@]}" import -q "$DK_TMP/busybox.tar" localhost/kata-busybox:latest >/dev/null
	"${pm[@]}" save --format docker-archive -o "$DK_TMP/busybox.docker" localhost/kata-busybox:latest >/dev/null 2>&1
	"${pm[@]}" system reset -f >/dev/null 2>&1 || true
	dk load -q -i "$DK_TMP/busybox.docker" >/dev/null
}

teardown_file() {
	dk rm -f $(dk ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	# dockerd stops the containerd it started; both are ours, found by their pid files.
	local pid cpid i
	pid=$(cat "$DK_TMP/dockerd.launch.pid" 2>/dev/null)
	cpid=$(cat "$DK_TMP/exec/containerd/containerd.pid" 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	for i in $(seq 100); do
		{ [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; } &&
			{ [ -z "$cpid" ] || ! kill -0 "$cpid" 2>/dev/null; } && break
		sleep 0.2
	done
	[ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	umount -R "$DK_TMP/data" 2>/dev/null || true
	umount -R "$DK_TMP/exec" 2>/dev/null || true
	rm -rf "$DK_TMP"
	[ -n "$DOCKER0_WAS_THERE" ] || { ip link del docker0 2>/dev/null; remove_docker_iptables; } || true
}

# dockerd leaves its iptables chains behind when it stops; when the bridge was ours, so are they.
remove_docker_iptables() {
	local table rule chain
	for table in filter nat; do
		iptables -t "$table" -S 2>/dev/null | grep -E '^-A (FORWARD|PREROUTING|OUTPUT) .*-j DOCKER' |
			while read -r rule; do
				# shellcheck disable=SC2086
				iptables -t "$table" -D ${rule#-A } 2>/dev/null
			done
		for chain in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
			iptables -t "$table" -F "$chain" 2>/dev/null
			iptables -t "$table" -X "$chain" 2>/dev/null
		done
	done
	return 0
}

# docker against this test's daemon (the Debian client: another docker may be first in PATH).
dk() {
	/usr/bin/docker -H "unix://$DK_TMP/docker.sock" "$@"
}

IMG=localhost/kata-busybox

expect_no_containers_left() {
	expect_no_vms "$KATA_ROOT_DIR"
	local left
	left=$(ls -A "$KATA_ROOT_DIR" 2>/dev/null || true)
	[ -z "$left" ] || { echo "kata state left in $KATA_ROOT_DIR: [$left]" >&2; return 1; }
}

@test "docker: run prints output and the guest kernel release" {
	run timeout 120 /usr/bin/docker -H "unix://$DK_TMP/docker.sock" run --rm --runtime kata --network none "$IMG" sh -c 'echo hello-from-docker; uname -r'
	expect_status 0
	expect_eq hello-from-docker "${lines[0]}" "first line"
	expect_eq "$GUEST_RELEASE" "${lines[1]}" "uname -r under docker"
	[ "${lines[1]}" != "$(uname -r)" ]
	expect_no_containers_left
}

@test "docker: exit code 42 propagates" {
	run timeout 120 /usr/bin/docker -H "unix://$DK_TMP/docker.sock" run --rm --runtime kata --network none "$IMG" sh -c 'exit 42'
	expect_status 42
}

@test "docker: --network none leaves the guest loopback only" {
	run timeout 120 /usr/bin/docker -H "unix://$DK_TMP/docker.sock" run --rm --runtime kata --network none "$IMG" sh -c 'ip -o link show | cut -d: -f2 | tr -d " "'
	expect_status 0
	expect_eq lo "$output" "guest links"
}

@test "docker: the default bridge reaches its gateway from the guest" {
	local gw
	# The default bridge's address on the host is the containers' gateway.
	gw=$(ip -4 -o addr show docker0 | grep -o 'inet [0-9.]*' | cut -d' ' -f2)
	[ -n "$gw" ] || { echo "docker0 has no IPv4 address" >&2; false; }
	run timeout 120 /usr/bin/docker -H "unix://$DK_TMP/docker.sock" run --rm --runtime kata "$IMG" sh -c "ip route | grep ^default; ping -c 2 -W 5 $gw >/dev/null && echo ping-ok"
	expect_status 0
	expect_eq "default via $gw dev eth0 " "${lines[0]}" "default route"
	expect_eq ping-ok "${lines[1]}" "ping of the bridge gateway"
	expect_no_containers_left
}

@test "docker: -p publishes a port served inside the VM" {
	run dk run -d --name web --runtime kata -p 18091:8080 "$IMG" sh -c 'echo from-kata-docker >/tmp/index.html; exec httpd -f -p 8080 -h /tmp'
	expect_status 0
	local host_ip got="" i
	host_ip=$(ip -4 -o route get 1.1.1.1 | grep -o 'src [0-9.]*' | cut -d' ' -f2)
	for i in $(seq 50); do
		got=$(timeout 3 busybox wget -q -O - "http://$host_ip:18091/index.html" 2>/dev/null) && break
		sleep 0.3
	done
	expect_eq from-kata-docker "$got" "wget $host_ip:18091"
	dk rm -f web >/dev/null
	expect_no_containers_left
}

@test "docker: detached run, exec (status propagated), stop, rm leave nothing behind" {
	run dk run -d --name c1 --runtime kata "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
	expect_status 0
	expect_eq running "$(dk inspect -f '{{.State.Status}}' c1)" "status"
	run dk exec c1 sh -c 'echo from-exec; exit 7'
	expect_status 7
	expect_eq from-exec "$output" "exec output"
	# docker top looks the runtime's pids up on the host: it must list the container's monitor
	# (its pid for docker), not unrelated host processes that share guest pid numbers.
	local mon
	mon=$("$KATA_BIN" --root "$KATA_ROOT_DIR" state "$(dk inspect -f '{{.Id}}' c1)" | jq .pid)
	run dk top c1 -o pid
	expect_status 0
	expect_eq "PID $mon" "$(echo $output)" "docker top"
	run dk stop -t 20 c1
	expect_status 0
	expect_eq 0 "$(dk inspect -f '{{.State.ExitCode}}' c1)" "exit code after stop"
	run dk rm c1
	expect_status 0
	expect_no_containers_left
}

@test "docker: run -it under a real terminal (tmux): typed commands run in the VM" {
	interactive_shell_check docker 5 \
		"/usr/bin/docker -H 'unix://$DK_TMP/docker.sock' run -it --rm --runtime kata --network none $IMG sh"
	expect_no_containers_left
}

@test "docker: stdin is piped with -i" {
	run bash -c "echo piped-in | /usr/bin/docker -H 'unix://$DK_TMP/docker.sock' run --rm -i --runtime kata --network none $IMG cat"
	expect_status 0
	expect_eq piped-in "$output"
	expect_no_containers_left
}

@test "docker: kill with a trapped signal, SIGKILL reports 137, stop escalates to SIGKILL" {
	run dk run -d --name c2 --runtime kata --network none "$IMG" sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 1; done'
	expect_status 0
	wait_for_output "ready" dk logs c2
	dk kill -s USR1 c2
	wait_for_output "got-usr1" dk logs c2
	expect_eq running "$(dk inspect -f '{{.State.Status}}' c2)" "status after the trapped signal"
	dk kill -s KILL c2
	run dk wait c2
	expect_eq 137 "$output" "exit code after SIGKILL"
	dk rm c2 >/dev/null
	run dk run -d --name c3 --runtime kata --network none "$IMG" sh -c 'echo ready; while :; do sleep 1; done'
	wait_for_output "ready" dk logs c3
	run dk stop -t 2 c3
	expect_status 0
	expect_eq 137 "$(dk inspect -f '{{.State.ExitCode}}' c3)" "exit code after stop's SIGKILL"
	dk rm c3 >/dev/null
	expect_no_containers_left
}
