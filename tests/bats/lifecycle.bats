#!/usr/bin/env bats
# create / start / state / kill / delete, with the status moving as runc's does.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "lifecycle: created -> running -> stopped -> deleted, nothing left behind" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1 </dev/null
	run kata state c1
	expect_status 0
	expect_eq created "$(echo "$output" | jq -r .status)" "status after create"
	expect_eq c1 "$(echo "$output" | jq -r .id)"
	expect_eq "$BUNDLE" "$(echo "$output" | jq -r .bundle)"
	[ -n "$(echo "$output" | jq -r .created)" ]
	local pid
	pid=$(echo "$output" | jq -r .pid)
	expect_eq "$pid" "$(cat "$BATS_TEST_TMPDIR/pid")" "pid-file"
	kill -0 "$pid"
	pgrep -f -- "qemu-system.* kata:$ROOT/c1( |$)" >/dev/null   # its QEMU runs

	kata start c1
	expect_eq running "$(state_status c1)" "status after start"

	kata kill c1 KILL
	wait_status c1 20 stopped
	process_gone "$pid" || { echo "monitor $pid still alive after the workload stopped" >&2; false; }

	kata delete c1
	run kata state c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'does not exist'* ]]
	run pgrep -f -- "qemu-system.* kata:$ROOT/c1( |$)"
	[ "$status" -ne 0 ]
	expect_root_empty
}

@test "lifecycle: the monitor exits with the workload's status (128+signal when killed)" {
	# An init process ignores signals it has no handler for: wait until the trap is set.
	set_args sh -c 'trap "exit 3" TERM; echo ready; while :; do sleep 1; done'
	kata create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/out"
	kata start c1
	wait_for_line "$BATS_TEST_TMPDIR/out" 20 ready
	kata kill c1 TERM
	wait_status c1 20 stopped
	expect_eq 3 "$(jq -r .exit_status "$ROOT/c1/state.json")" "exit status after TERM trapped"
	kata delete c1
}

@test "lifecycle: kill in the created state stops the container" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata kill c1 9
	wait_status c1 20 stopped
	expect_eq 137 "$(jq -r .exit_status "$ROOT/c1/state.json")"
	kata delete c1
	expect_root_empty
}

@test "lifecycle: delete of a running container needs --force" {
	set_args sleep 600
	kata run --detach --bundle "$BUNDLE" c1 </dev/null
	run kata delete c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'cannot delete container c1 that is not stopped: running'* ]]
	expect_eq running "$(state_status c1)"
	kata delete --force c1
	expect_root_empty
}

@test "lifecycle: delete of a created container kills it" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata delete c1
	expect_root_empty
}

@test "lifecycle: start twice fails, kill after stop fails" {
	set_args true
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 20 stopped
	run kata start c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'has stopped'* ]]
	run kata kill c1 KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *'not running'* ]]
	kata delete c1
}

@test "lifecycle: signals sent to the monitor reach the workload" {
	set_args sh -c 'trap "exit 7" USR1; echo ready; while :; do sleep 1; done'
	kata create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1 </dev/null >"$BATS_TEST_TMPDIR/out"
	kata start c1
	wait_for_line "$BATS_TEST_TMPDIR/out" 20 ready
	kill -USR1 "$(cat "$BATS_TEST_TMPDIR/pid")"
	wait_status c1 20 stopped
	expect_eq 7 "$(jq -r .exit_status "$ROOT/c1/state.json")"
	kata delete c1
}

@test "lifecycle: create's stdio becomes the workload's stdio" {
	set_args sh -c 'echo out-line; echo err-line >&2'
	kata create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	kata start c1
	wait_status c1 20 stopped
	expect_eq out-line "$(cat "$BATS_TEST_TMPDIR/out")" "stdout"
	expect_eq err-line "$(cat "$BATS_TEST_TMPDIR/err")" "stderr"
	kata delete c1
}

@test "lifecycle: state carries the spec's annotations and runc's fields" {
	set_config '.annotations = {"org.example.key": "value 1", "io.kata.test": "x"}'
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null
	run kata state c1
	expect_status 0
	expect_eq "value 1" "$(echo "$output" | jq -r '.annotations["org.example.key"]')" "annotation"
	expect_eq "1.0.2" "$(echo "$output" | jq -r .ociVersion)" "ociVersion"
	expect_eq "c1 created true" "$(echo "$output" | jq -r '"\(.id) \(.status) \(.pid > 0)"')" "id status pid"
	kata delete c1
	expect_root_empty
}
