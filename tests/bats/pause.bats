#!/usr/bin/env bats
# kata pause / resume: the VM's vCPUs stop and continue; state and list show "paused".

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "pause: paused in state and list, frozen, then running again after resume" {
	set_args sh -c 'while :; do echo tick; sleep 0.1; done'
	local out=$BATS_TEST_TMPDIR/out
	kata create --bundle "$BUNDLE" c1 </dev/null >"$out"
	kata start c1
	wait_for_line "$out" 20 tick
	kata pause c1
	expect_eq paused "$(state_status c1)"
	run kata list
	[[ "${lines[1]}" =~ ^c1\ +[0-9]+\ +paused\  ]] || { echo "[${lines[1]}]" >&2; false; }
	run kata exec c1 true
	[ "$status" -ne 0 ]
	expect_eq "kata: cannot exec in a paused container" "$output"
	# Frozen: no output while paused.
	sleep 0.5
	local a b c
	a=$(wc -l <"$out")
	sleep 1.5
	b=$(wc -l <"$out")
	expect_eq "$a" "$b" "lines written while paused"
	kata resume c1
	expect_eq running "$(state_status c1)"
	sleep 1.5
	c=$(wc -l <"$out")
	[ "$c" -gt "$b" ] || { echo "no output after resume ($b -> $c)" >&2; false; }
	kata exec c1 true
}

@test "pause: kill works on a paused container" {
	start_sleeper c1
	kata pause c1
	kata kill c1 KILL
	wait_status c1 20 stopped
	kata delete c1
	expect_root_empty
}

@test "pause: delete refuses a paused container; --force removes it" {
	start_sleeper c1
	kata pause c1
	run kata delete c1
	[ "$status" -ne 0 ]
	expect_eq "kata: cannot delete container c1 that is not stopped: paused" "$output"
	kata delete --force c1
	expect_root_empty
}

@test "pause: errors (stopped, created, already paused, not paused, unknown id)" {
	run kata pause nosuch
	[ "$status" -ne 0 ]
	expect_eq 'kata: container "nosuch" does not exist' "$output"
	set_args true
	kata create --bundle "$BUNDLE" c1 </dev/null
	run kata pause c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container c1 is not running (created)" "$output"
	kata start c1
	wait_status c1 20 stopped
	run kata pause c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container c1 is not running (stopped)" "$output"
	run kata resume c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container c1 is not paused (stopped)" "$output"
	kata delete c1
	start_sleeper c2
	run kata resume c2
	[ "$status" -ne 0 ]
	expect_eq "kata: container c2 is not paused (running)" "$output"
	kata pause c2
	run kata pause c2
	[ "$status" -ne 0 ]
	expect_eq "kata: container c2 is already paused" "$output"
	kata delete --force c2
	expect_root_empty
}
