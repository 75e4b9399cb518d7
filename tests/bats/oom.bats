#!/usr/bin/env bats
# OOM kills in the guest as runc's {"type":"oom"} events: kata events, the state directory's
# events file, and the library's events fd.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

# A 16 MiB limit on the container's cgroup (the VM itself gets that on top of its memory).
limit_memory() {
	set_config '.linux.resources = {"memory": {"limit": 16777216}}'
}

@test "oom: an OOM kill of an exec'd process is an oom event of kata events" {
	limit_memory
	start_sleeper c1
	kata events --interval 1h c1 >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local events_pid=$!
	# The first stats line comes after the subscription.
	for ((i = 0; i < 300; i++)); do
		[ -s "$BATS_TEST_TMPDIR/events" ] && break
		sleep 0.1
	done
	# busybox tail keeps a line that never ends: it grows until the OOM killer takes it.
	run kata exec c1 tail /dev/zero
	expect_status 137
	wait_for_line "$BATS_TEST_TMPDIR/events" 30 '{"type":"oom","id":"c1"}'
	expect_eq '{"type":"oom","id":"c1"}' "$(cat "$ROOT/c1/events")" "state dir events file"
	# The container survived; its end ends the stream.
	expect_eq running "$(state_status c1)"
	kata kill c1 TERM
	wait "$events_pid"
	expect_eq stats "$(head -1 "$BATS_TEST_TMPDIR/events" | jq -r .type)"
}

@test "oom: an OOM-killed init is recorded before the container stops" {
	limit_memory
	set_args tail /dev/zero
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 60 stopped
	expect_eq '{"type":"oom","id":"c1"}' "$(cat "$ROOT/c1/events" 2>/dev/null)" "state dir events file"
	kata delete c1
	expect_root_empty
}

@test "oom: no oom event without an OOM kill" {
	start_sleeper c1
	run kata exec c1 sh -c 'head -c 1000000 /dev/zero | wc -c'
	expect_status 0
	expect_eq 1000000 "$output"
	[ ! -e "$ROOT/c1/events" ] || { echo "unexpected events: $(cat "$ROOT/c1/events")" >&2; false; }
}
