#!/usr/bin/env bats
# kata update: new cgroup limits through the agent's UpdateContainer, read back from the
# container's own statistics (events --stats).

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

stats() {
	kata events --stats "$1"
}

@test "update: --memory and --pids-limit change the container's limits" {
	start_sleeper c1
	kata update --memory 64m --pids-limit 50 c1
	local s
	s=$(stats c1)
	expect_eq 67108864 "$(jq .data.memory.usage.limit <<<"$s")" "memory limit"
	expect_eq 50 "$(jq .data.pids.limit <<<"$s")" "pids limit"
	# The guest enforces it: a 51st process cannot start.
	kata update --pids-limit 3 c1
	run kata exec c1 sh -c 'sleep 5 & sleep 5 & sleep 5 & wait'
	[ "$status" -ne 0 ] || { echo "pids limit not enforced: [$output]" >&2; false; }
}

@test "update: --resources FILE and -r - (stdin) take an OCI linux.resources document" {
	start_sleeper c1
	echo '{"memory": {"limit": 33554432}, "pids": {"limit": 40}}' >"$BATS_TEST_TMPDIR/r.json"
	kata update --resources "$BATS_TEST_TMPDIR/r.json" c1
	expect_eq 33554432 "$(stats c1 | jq .data.memory.usage.limit)"
	echo '{"pids": {"limit": 41}}' | kata update -r - c1
	expect_eq 41 "$(stats c1 | jq .data.pids.limit)"
}

@test "update: cpu, cpuset and memory reservation flags are accepted by the guest" {
	start_sleeper c1
	kata update --cpu-quota 50000 --cpu-period 100000 --cpu-shares 512 --cpuset-cpus 0 \
		--cpuset-mems 0 --memory-reservation 16m --memory-swap -1 c1
	local s
	s=$(stats c1)
	expect_eq object "$(jq -r '.data.cpu | type' <<<"$s")"
}

@test "update: bad values fail naming the flag and change nothing" {
	start_sleeper c1
	kata update --pids-limit 60 c1
	run kata update --memory bogus c1
	[ "$status" -ne 0 ]
	expect_eq 'kata: invalid value "bogus" for --memory: expected a size such as 512m' "$output"
	run kata update --cpu-shares 1 c1
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: invalid value "1" for --cpu-shares'* ]]
	run kata update --blkio-weight 5 c1
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: invalid value "5" for --blkio-weight'* ]]
	run kata update --pids-limit many c1
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: invalid value "many" for --pids-limit'* ]]
	run kata update --cpuset-cpus 'x' c1
	[ "$status" -ne 0 ]
	echo '{"memory": ' >"$BATS_TEST_TMPDIR/bad.json"
	run kata update -r "$BATS_TEST_TMPDIR/bad.json" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid JSON"* ]]
	run kata update --kernel-memory 1m c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"--kernel-memory is not supported"* ]]
	expect_eq 60 "$(stats c1 | jq .data.pids.limit)" "pids limit after failed updates"
	run kata update --memory 64m nosuch
	[ "$status" -ne 0 ]
	expect_eq 'kata: container "nosuch" does not exist' "$output"
}

@test "update: a stopped container cannot be updated" {
	set_args true
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 20 stopped
	run kata update --memory 64m c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container c1 is not running" "$output"
	kata delete c1
	expect_root_empty
}
