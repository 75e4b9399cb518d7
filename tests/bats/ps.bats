#!/usr/bin/env bats
# kata ps: the container's processes as the guest lists them (ListProcesses).

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "ps: --format json lists the host pids standing in for the container: the monitor and each exec's caller" {
	start_sleeper c1
	# Callers (containerd's Pids, docker top) look these pids up on the host: guest pids
	# would name unrelated host processes there.
	local mon
	mon=$(kata state c1 | jq .pid)
	run kata ps --format json c1
	expect_status 0
	expect_eq "[$mon]" "$(jq -c . <<<"$output")" "pids of a container without execs"
	local pidfile=$BATS_TEST_TMPDIR/exec.pid
	kata exec -d --pid-file "$pidfile" c1 sleep 30 </dev/null
	run kata ps -f json c1
	expect_eq "[$mon,$(cat "$pidfile")]" "$(jq -c . <<<"$output")" "pids with a detached exec"
	kill "$(cat "$pidfile")"
}

@test "ps: the default table lists the workload's command" {
	start_sleeper c1
	run kata ps c1
	expect_status 0
	[[ "${lines[0]}" == *PID* ]] || { echo "header: [${lines[0]}]" >&2; false; }
	[[ "$output" == *"sleep 600"* ]] || { echo "[$output]" >&2; false; }
	run kata ps --format table c1
	[[ "$output" == *"sleep 600"* ]]
}

@test "ps: errors (unknown id, stopped container, bad format, ps options)" {
	run kata ps nosuch
	[ "$status" -ne 0 ]
	expect_eq 'kata: container "nosuch" does not exist' "$output"
	set_args true
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 20 stopped
	run kata ps c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container c1 is not running" "$output"
	run kata ps --format yaml c1
	[ "$status" -ne 0 ]
	expect_eq 'kata: invalid format option "yaml": table or json' "$output"
	run kata ps c1 -ef
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: ps: ps options ("-ef") are not supported'* ]]
	kata delete c1
	expect_root_empty
}
