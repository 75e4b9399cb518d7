#!/usr/bin/env bats
# kata list: runc's table (ID PID STATUS BUNDLE CREATED OWNER), --quiet, --format json.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "list: an empty root prints only the header" {
	run kata list
	expect_status 0
	[[ "$output" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]] || { echo "[$output]" >&2; false; }
	run kata list --format json
	expect_eq "[]" "$output"
	run kata list -q
	expect_eq "" "$output"
}

@test "list: table, quiet and json show every container and its status" {
	start_sleeper c1
	set_args sleep 600
	kata create --bundle "$BUNDLE" c2 </dev/null
	run kata list
	expect_status 0
	expect_eq 3 "${#lines[@]}" "line count"
	local pid1
	pid1=$(kata state c1 | jq .pid)
	[[ "${lines[1]}" =~ ^c1\ +$pid1\ +running\ +$BUNDLE\ +[0-9T:.-]+Z\ +root$ ]] || { echo "[${lines[1]}]" >&2; false; }
	[[ "${lines[2]}" =~ ^c2\ +[0-9]+\ +created\ + ]] || { echo "[${lines[2]}]" >&2; false; }
	run kata list --quiet
	expect_eq $'c1\nc2' "$output"
	run kata list --format json
	expect_eq 'c1 running c2 created' "$(jq -r '[.[] | .id, .status] | join(" ")' <<<"$output")"
	expect_eq "$pid1" "$(jq '.[0].pid' <<<"$output")"
	expect_eq "$BUNDLE" "$(jq -r '.[0].bundle' <<<"$output")"
}

@test "list: a bad format or argument fails" {
	run kata list --format yaml
	[ "$status" -ne 0 ]
	expect_eq 'kata: invalid format option "yaml": table or json' "$output"
	run kata list extra
	[ "$status" -ne 0 ]
	expect_eq 'kata: list: unexpected argument "extra"' "$output"
}
