#!/usr/bin/env bats
# kata events: statistics in runc's event JSON.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "events: --stats prints one stats event and exits" {
	start_sleeper c1
	run kata events --stats c1
	expect_status 0
	expect_eq 1 "${#lines[@]}" "line count"
	expect_eq stats "$(jq -r .type <<<"$output")"
	expect_eq c1 "$(jq -r .id <<<"$output")"
	[ "$(jq .data.cpu.usage.total <<<"$output")" -gt 0 ]
	[ "$(jq .data.memory.usage.usage <<<"$output")" -gt 0 ]
	[ "$(jq .data.pids.current <<<"$output")" -ge 1 ]
	expect_eq object "$(jq -r '.data.cpu.throttling | type' <<<"$output")"
}

@test "events: --interval repeats until the container stops" {
	set_args sleep 3
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	run timeout 60 "$KATA_BIN" --root "$ROOT" events --interval 500ms c1
	expect_status 0
	[ "${#lines[@]}" -ge 2 ] || { echo "[$output]" >&2; false; }
	expect_eq stats "$(jq -r .type <<<"${lines[0]}")"
	wait_status c1 20 stopped
}

@test "events: errors (unknown id, stopped container, bad interval)" {
	run kata events --stats nosuch
	[ "$status" -ne 0 ]
	expect_eq 'kata: container "nosuch" does not exist' "$output"
	set_args true
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 20 stopped
	run kata events --stats c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container c1 is not running" "$output"
	run kata events --interval soon c1
	[ "$status" -ne 0 ]
	expect_eq 'kata: events: invalid --interval "soon"' "$output"
	kata delete c1
	expect_root_empty
}
