#!/usr/bin/env bats
# Faults: whatever dies, the container reports stopped, its exit status is defined, and
# delete removes everything (VM, monitor, mounts, state).

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

qemu_pid_of() {
	pgrep -f -- "qemu-system.* kata:$ROOT/$1( |$)" | head -1
}

@test "faults: QEMU killed with SIGKILL -> stopped with status 255, delete cleans up" {
	set_args sleep 600
	kata run --detach --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu
	qemu=$(qemu_pid_of c1)
	[ -n "$qemu" ] || { echo "no QEMU found for c1" >&2; false; }
	kill -9 "$qemu"
	wait_status c1 20 stopped
	expect_eq 255 "$(jq -r .exit_status "$ROOT/c1/state.json")" "exit status when the VM died"
	kata delete c1
	expect_root_empty
}

@test "faults: monitor killed with SIGKILL -> QEMU dies too, stopped, delete cleans up" {
	set_args sleep 600
	kata run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu
	qemu=$(qemu_pid_of c1)
	kill -9 "$(cat "$BATS_TEST_TMPDIR/pid")"
	wait_status c1 20 stopped
	for _ in $(seq 50); do process_gone "$qemu" && break; sleep 0.1; done
	process_gone "$qemu" || { echo "QEMU $qemu outlived its monitor" >&2; false; }
	kata delete c1
	expect_root_empty
}

@test "faults: two creates of the same id at once: exactly one wins" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/e1" &
	local a=$!
	kata create --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/e2" &
	local b=$!
	local ra=0 rb=0
	wait "$a" || ra=$?
	wait "$b" || rb=$?
	if ! { [ "$ra" -eq 0 ] && [ "$rb" -ne 0 ]; } && ! { [ "$ra" -ne 0 ] && [ "$rb" -eq 0 ]; }; then
		echo "exit codes $ra and $rb: expected exactly one success" >&2
		false
	fi
	grep -h 'container with id exists: c1' "$BATS_TEST_TMPDIR/e1" "$BATS_TEST_TMPDIR/e2"
	expect_eq created "$(state_status c1)"
	kata delete c1
	expect_root_empty
}

@test "faults: delete --force while the workload ignores SIGTERM" {
	set_args sh -c 'trap "" TERM; echo ready; while :; do sleep 1; done'
	kata run --detach --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_for_line "$BATS_TEST_TMPDIR/out" 20 ready
	kata kill c1 TERM
	sleep 0.5
	expect_eq running "$(state_status c1)" "TERM is ignored"
	kata delete --force c1
	expect_root_empty
}
