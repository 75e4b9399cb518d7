#!/usr/bin/env bats
# containerd drives kata through kata's own shim v2 (build/containerd-shim-kata-v2, on libkata):
#   ctr run --runtime io.containerd.kata.v2 ...
# Each task gets its own VM; output, exit codes, exec, kill and delete go through the shim's
# ttrpc API, and nothing (VM, shim, mount, state) may outlive a task.

load helpers

setup_file() {
	need_packages containerd podman tmux
	export SHIM_TMP=$(mktemp -d /tmp/kata-shim.XXXXXX)
	export KATA_SHIM_ROOT=$SHIM_TMP/kata
	export CONTAINERD_NAMESPACE=kata-shim-it
	containerd_start "$SHIM_TMP" KATA_SHIM_ROOT="$KATA_SHIM_ROOT"
	containerd_import_busybox "$SHIM_TMP" localhost/kata-busybox:latest
}

teardown_file() {
	containerd_stop "$SHIM_TMP"
}

# A failed test shows what containerd and the shims (their stderr is containerd's log) said.
teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] ||
		{ echo "# containerd log, last 40 lines:"; tail -40 "$SHIM_TMP/containerd.log"; } >&3
}

R=(--runtime io.containerd.kata.v2)
IMG=localhost/kata-busybox:latest

# Nothing of task $1 is left: no QEMU, monitor or shim, no kata state, no rootfs mount.
expect_task_gone() {
	local id=$1 i left
	# The shim exits after containerd's Shutdown; give it a moment.
	for i in $(seq 50); do
		left=$(pgrep -af -- "kata:$KATA_SHIM_ROOT/$CONTAINERD_NAMESPACE/$id( |$)|containerd-shim-kata-v2 .*-id $id( |$)" || true)
		[ -z "$left" ] && break
		sleep 0.2
	done
	if [ -n "$left" ]; then
		echo "left behind for $id: [$left]" >&2
		return 1
	fi
	if [ -e "$KATA_SHIM_ROOT/$CONTAINERD_NAMESPACE/$id" ]; then
		echo "kata state left: $KATA_SHIM_ROOT/$CONTAINERD_NAMESPACE/$id" >&2
		return 1
	fi
	left=$(ls -A "$SHIM_TMP/s" 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "shim sockets left in $SHIM_TMP/s: [$left]" >&2
		return 1
	fi
	if grep -q -- "/$id/rootfs" /proc/self/mountinfo; then
		echo "rootfs mount left: $(grep -- "/$id/rootfs" /proc/self/mountinfo)" >&2
		return 1
	fi
}

@test "shim: ctr run prints the guest kernel release" {
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" s1 uname -r
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r through the kata shim"
	expect_task_gone s1
}

@test "shim: stdout and stderr reach ctr" {
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" s2 sh -c 'echo to-out; echo to-err >&2'
	expect_status 0
	expect_line to-out
	expect_line to-err
	expect_task_gone s2
}

@test "shim: exit code 42 propagates" {
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" s3 sh -c 'exit 42'
	expect_status 42
	expect_task_gone s3
}

@test "shim: detached task, exec with exit code, kill (TERM trapped, then KILL: 137), delete" {
	timeout 120 ctr run -d "${R[@]}" "$IMG" s4 sh -c 'trap "echo got-term" TERM; while :; do sleep 1; done'
	expect_eq RUNNING "$(ctr task ls | awk '$1=="s4"{print $3}')" "task status after run -d"
	# The task has its own VM, named after its kata state directory.
	pgrep -f -- "qemu.*-name kata:$KATA_SHIM_ROOT/$CONTAINERD_NAMESPACE/s4( |$)" >/dev/null ||
		{ echo "no VM for s4: [$(pgrep -af qemu)]" >&2; false; }

	run timeout 120 ctr task exec --exec-id e1 s4 sh -c 'echo from-exec; exit 7'
	expect_status 7
	expect_eq from-exec "$output" "exec output"

	run timeout 60 ctr task exec --exec-id e2 s4 uname -r
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "exec uname -r"

	# Metrics come from the guest's cgroup of the task: it has processes and uses memory.
	run timeout 60 ctr task metrics s4
	expect_status 0
	local pids mem
	pids=$(awk '$1=="pids.current"{print $2}' <<<"$output")
	mem=$(awk '$1=="memory.usage_in_bytes"{print $2}' <<<"$output")
	[ "${pids:-0}" -ge 1 ] && [ "${mem:-0}" -gt 0 ] ||
		{ echo "metrics: expected pids.current >= 1 and memory usage > 0, got: [$output]" >&2; false; }

	# An exec'd process gets any signal, SIGKILL included: ctr exec sees 137.
	timeout 120 ctr task exec --exec-id k1 s4 sleep 600 &
	local execer=$!
	# Until the exec has started, the kill fails (no such running process): retry.
	local killed=
	for _ in $(seq 150); do
		ctr task kill --exec-id k1 -s SIGKILL s4 2>/dev/null && { killed=1; break; }
		sleep 0.2
	done
	expect_eq 1 "$killed" "ctr task kill --exec-id k1 succeeded"
	local rc=0
	wait "$execer" || rc=$?
	expect_eq 137 "$rc" "exit status of the SIGKILLed exec"

	# SIGTERM is trapped: the task keeps running.
	ctr task kill -s SIGTERM s4
	sleep 2
	expect_eq RUNNING "$(ctr task ls | awk '$1=="s4"{print $3}')" "status after a trapped SIGTERM"

	ctr task kill -s SIGKILL s4
	local st
	for _ in $(seq 100); do
		st=$(ctr task ls | awk '$1=="s4"{print $3}')
		[ "$st" = STOPPED ] && break
		sleep 0.2
	done
	expect_eq STOPPED "$st" "status after SIGKILL"
	run ctr task delete s4
	expect_status 0
	ctr containers rm s4
	expect_task_gone s4
}

@test "shim: ctr run waits for the exit status of a task killed from outside (137)" {
	timeout 120 ctr run --rm "${R[@]}" "$IMG" s5 sleep 600 &
	local runner=$! st
	for _ in $(seq 300); do
		st=$(ctr task ls 2>/dev/null | awk '$1=="s5"{print $3}')
		[ "$st" = RUNNING ] && break
		sleep 0.2
	done
	expect_eq RUNNING "$st" "task status"
	ctr task kill -s SIGKILL s5
	local rc=0
	wait "$runner" || rc=$?
	expect_eq 137 "$rc" "ctr run's exit status"
	expect_task_gone s5
}

@test "shim: task events reach containerd (create, start, exit with status, delete)" {
	ctr events >"$SHIM_TMP/events.log" 2>&1 &
	local ev=$!
	sleep 0.5
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" s6 sh -c 'exit 3'
	expect_status 3
	sleep 1
	kill "$ev"
	local log topic
	log=$(grep ' s6\|"s6"' "$SHIM_TMP/events.log" || true)
	for topic in /tasks/create /tasks/start /tasks/exit /tasks/delete; do
		grep -q "$topic" <<<"$log" || { echo "no $topic event for s6 in: [$(cat "$SHIM_TMP/events.log")]" >&2; false; }
	done
	grep '/tasks/exit' <<<"$log" | grep -q '"exit_status":3' ||
		{ echo "TaskExit without exit_status 3: [$(grep /tasks/exit <<<"$log")]" >&2; false; }
	expect_task_gone s6
}

@test "shim: an OOM kill in the task's VM reaches containerd as /tasks/oom" {
	ctr events >"$SHIM_TMP/oom.log" 2>&1 &
	local ev=$!
	sleep 0.5
	# busybox tail keeps a line that never ends: it grows until the cgroup's OOM killer takes it.
	run timeout 120 ctr run --rm --memory-limit 16777216 "${R[@]}" "$IMG" s20 tail /dev/zero
	expect_status 137
	sleep 1
	kill "$ev"
	grep ' s20\|"s20"' "$SHIM_TMP/oom.log" | grep -q /tasks/oom ||
		{ echo "no /tasks/oom event for s20 in: [$(cat "$SHIM_TMP/oom.log")]" >&2; false; }
	expect_task_gone s20
}

# run_in_terminal NAME ROWS COLS COMMAND: runs COMMAND (a ctr call that prints its exit as
# rc=N) in a ROWSxCOLS tmux terminal with this test's containerd; the screen is left in $out.
run_in_terminal() {
	local sock=$SHIM_TMP/tmux-$1.sock
	tmux -S "$sock" new-session -d -x "$3" -y "$2" \
		"env CONTAINERD_ADDRESS=$CONTAINERD_ADDRESS CONTAINERD_NAMESPACE=$CONTAINERD_NAMESPACE $4; echo rc=\$?; sleep 60"
	for _ in $(seq 300); do
		out=$(tmux -S "$sock" capture-pane -p)
		[[ "$out" == *rc=* ]] && break
		sleep 0.2
	done
	tmux -S "$sock" kill-server || true
}

@test "shim: a terminal (ctr run -t): tty, size from ctr's terminal, exit status" {
	local out
	run_in_terminal s7 30 100 "ctr run -t --rm ${R[*]} $IMG s7 sh -c 'tty; stty size; exit 5'"
	[[ "$out" == *"/dev/pts/"* ]] || { echo "expected a pty from tty, got: [$out]" >&2; false; }
	[[ "$out" == *"30 100"* ]] || { echo "expected stty size 30 100, got: [$out]" >&2; false; }
	[[ "$out" == *"rc=5"* ]] || { echo "expected rc=5, got: [$out]" >&2; false; }
	expect_task_gone s7
}

@test "shim: stdin reaches the task and its end is EOF" {
	run timeout 120 sh -c "printf 'line-a\nline-b\n' | ctr run --rm ${R[*]} $IMG s8 sh -c 'cat; echo after-eof'"
	expect_status 0
	expect_line line-a
	expect_line line-b
	expect_line after-eof
	expect_task_gone s8
}

@test "shim: exec with a terminal, pause and resume, and a task whose shim died is cleaned up" {
	timeout 120 ctr run -d "${R[@]}" "$IMG" s9 sleep 600
	local out
	run_in_terminal s9 20 90 "ctr task exec -t --exec-id t1 s9 sh -c 'tty; stty size; exit 4'"
	[[ "$out" == *"/dev/pts/"* ]] || { echo "expected a pty, got: [$out]" >&2; false; }
	[[ "$out" == *"20 90"* ]] || { echo "expected stty size 20 90, got: [$out]" >&2; false; }
	[[ "$out" == *"rc=4"* ]] || { echo "expected rc=4, got: [$out]" >&2; false; }

	ctr task pause s9
	expect_eq PAUSED "$(ctr task ls | awk '$1=="s9"{print $3}')" "status after pause"
	ctr task resume s9
	expect_eq RUNNING "$(ctr task ls | awk '$1=="s9"{print $3}')" "status after resume"

	# The shim dies: containerd runs `containerd-shim-kata-v2 delete`, which takes the VM down.
	local shim
	shim=$(pgrep -f -- "containerd-shim-kata-v2 .*-id s9( |$)")
	[ -n "$shim" ] || { echo "no shim process for s9" >&2; false; }
	kill -9 $shim
	local st
	for _ in $(seq 100); do
		st=$(ctr task ls | awk '$1=="s9"{print $3}')
		[ "$st" != RUNNING ] && break
		sleep 0.2
	done
	ctr task delete s9 >/dev/null 2>&1 || true
	ctr containers rm s9
	expect_task_gone s9
}

@test "shim: a command that does not exist fails clearly and leaves nothing behind" {
	run timeout 120 ctr run --rm "${R[@]}" "$IMG" s10 /no/such/binary
	[ "$status" -ne 0 ] || { echo "expected failure, got success: [$output]" >&2; false; }
	[[ "$output" == *"/no/such/binary"* ]] || { echo "error does not name the binary: [$output]" >&2; false; }
	ctr containers rm s10 >/dev/null 2>&1 || true
	expect_task_gone s10
}

@test "shim: Update changes the task's limits in the guest (pids.limit through metrics)" {
	timeout 120 ctr run -d "${R[@]}" "$IMG" s11 sleep 600
	local address sock
	address=$(cat "$SHIM_TMP/state/io.containerd.runtime.v2.task/$CONTAINERD_NAMESPACE/s11/address")
	sock=${address#unix://}
	run python3 "$BATS_TEST_DIRNAME/../tools/shim_update.py" "$sock" s11 '{"pids":{"limit":77}}'
	expect_status 0
	run timeout 60 ctr task metrics s11
	expect_status 0
	expect_eq 77 "$(awk '$1=="pids.limit"{print $2}' <<<"$output")" "pids.limit after Update"
	run python3 "$BATS_TEST_DIRNAME/../tools/shim_update.py" "$sock" s11 '{"memory":{"limit":"x"}}'
	[ "$status" -ne 0 ] || { echo "a malformed update succeeded: [$output]" >&2; false; }
	ctr task kill -s SIGKILL s11
	for _ in $(seq 100); do
		[ "$(ctr task ls | awk '$1=="s11"{print $3}')" = STOPPED ] && break
		sleep 0.2
	done
	ctr task delete s11 >/dev/null
	ctr containers rm s11
	expect_task_gone s11
}

@test "shim: a task outlives a containerd restart and is still managed afterwards" {
	timeout 120 ctr run -d "${R[@]}" "$IMG" s12 sh -c 'trap "exit 9" TERM; while :; do sleep 1; done'
	local old
	old=$(cat "$SHIM_TMP/containerd.pid")
	kill "$old"
	for _ in $(seq 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
	containerd_start "$SHIM_TMP" KATA_SHIM_ROOT="$KATA_SHIM_ROOT"
	local st
	for _ in $(seq 100); do
		st=$(ctr task ls 2>/dev/null | awk '$1=="s12"{print $3}')
		[ "$st" = RUNNING ] && break
		sleep 0.2
	done
	expect_eq RUNNING "$st" "task status after containerd restarted"
	run timeout 60 ctr task exec --exec-id r1 s12 sh -c 'exit 3'
	expect_status 3
	ctr task kill -s SIGTERM s12
	for _ in $(seq 150); do
		st=$(ctr task ls | awk '$1=="s12"{print $3}')
		[ "$st" = STOPPED ] && break
		sleep 0.2
	done
	expect_eq STOPPED "$st" "status after SIGTERM"
	run ctr task delete s12
	expect_status 0
	[[ "$output" == *"exit code 9"* ]] || { echo "delete: expected exit code 9, got [$output]" >&2; false; }
	ctr containers rm s12
	expect_task_gone s12
}

@test "shim: bad command lines fail with a one-line error" {
	local shim=$KATA_BUILD/containerd-shim-kata-v2
	run "$shim" start
	expect_status 2
	expect_eq 1 "$(grep -c . <<<"$output")" "lines of the error"
	[[ "$output" == *"-namespace and -id are required"* ]] || { echo "got: [$output]" >&2; false; }
	run "$shim" -namespace n -id x frobnicate
	expect_status 2
	[[ "$output" == *"unknown command frobnicate"* ]] || { echo "got: [$output]" >&2; false; }
	run "$shim" -namespace n -id x -bogus 1 start
	expect_status 2
	[[ "$output" == *"unknown flag -bogus"* ]] || { echo "got: [$output]" >&2; false; }
}
