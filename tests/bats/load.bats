#!/usr/bin/env bats
# Load: many containers created at once all run their workload, and all are cleaned up.
# Slow under TCG on a shared 2-core host; nothing here asserts speed.

load helpers

setup() {
	setup_kata
	# Twenty guests booting together on two emulated cores: allow more than the default.
	export KATA_BOOT_TIMEOUT_MS=300000
}
teardown() { teardown_kata; }

N=20

@test "load: $N containers created in parallel all run and are all deleted" {
	set_args sh -c 'trap "exit 0" TERM; echo "up $(hostname)"; sleep 600 & wait'
	set_config '.hostname = "load"'
	local i pids=()
	for ((i = 1; i <= N; i++)); do
		kata create --bundle "$BUNDLE" "p$i" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/create$i" &
		pids+=($!)
	done
	local failed=0
	for ((i = 1; i <= N; i++)); do
		if ! wait "${pids[i - 1]}"; then
			echo "create p$i failed: $(cat "$BATS_TEST_TMPDIR/create$i")" >&2
			failed=$((failed + 1))
		fi
	done
	expect_eq 0 "$failed" "failed creates"
	for ((i = 1; i <= N; i++)); do
		kata start "p$i"
	done
	run kata list -q
	expect_eq "$N" "$(printf '%s\n' "$output" | grep -c '^p')" "containers listed"
	for ((i = 1; i <= N; i++)); do
		expect_eq running "$(state_status "p$i")" "status of p$i"
		run kata exec "p$i" hostname
		expect_status 0
		expect_eq load "$output" "hostname seen by an exec in p$i"
	done
	# Stop half with TERM (status 0), delete the rest with --force, all at once.
	for ((i = 1; i <= N; i++)); do
		if ((i % 2)); then kata kill "p$i" TERM & else kata delete --force "p$i" & fi
	done
	wait
	for ((i = 1; i <= N; i += 2)); do
		wait_status "p$i" 60 stopped
		expect_eq 0 "$(jq -r .exit_status "$ROOT/p$i/state.json")" "exit status of p$i after TERM"
		kata delete "p$i"
	done
	local left
	left=$(pgrep -af -- "$ROOT( |/|$)" || true)
	for _ in $(seq 100); do [ -z "$left" ] && break; sleep 0.1; left=$(pgrep -af -- "$ROOT( |/|$)" || true); done
	expect_eq "" "$left" "processes left after deleting all"
	expect_root_empty
}
