#!/usr/bin/env bats
# kata logs: the guest console (kernel and agent) and QEMU's and virtiofsd's logs kept in the
# state directory; a failed boot's console in its error and, with --debug, in the log.

load helpers

setup() {
	setup_kata
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	echo '{}' >"$KATA_CONF_FILE"
}
teardown() { teardown_kata; }

@test "logs: kata logs prints the guest console with the agent's lines; --all adds QEMU's and virtiofsd's" {
	echo '{"hypervisor": {"qemu": {"enable_debug": true}}}' >"$KATA_CONF_FILE"
	start_sleeper c1
	run kata logs c1
	expect_status 0
	expect_output_contains "Linux version $GUEST_RELEASE"
	expect_output_contains "kata-agent["
	[[ "$output" != *"==>"* ]] || { echo "headers without --all: [$output]" >&2; false; }
	# The guest may write more lines after kata logs read the file: what it printed must be
	# the start of the file as read now.
	local now
	now=$(cat "$ROOT/c1/console.log")
	[[ "$now" == "$output"* ]] ||
		{ echo "kata logs: expected the start of console.log [$now], got [$output]" >&2; false; }
	run kata logs --all c1
	expect_status 0
	expect_line "==> $ROOT/c1/console.log <=="
	expect_line "==> $ROOT/c1/qemu.log <=="
	if [ "$(kata env | jq -r .shared_fs)" = virtio-fs ]; then
		expect_line "==> $ROOT/c1/virtiofsd.log <=="
	fi
	kata kill c1 TERM
	wait_status c1
	# A stopped container keeps its logs until delete.
	run kata logs c1
	expect_status 0
	expect_output_contains "Linux version"
	kata delete c1
	run kata logs c1
	[ "$status" -ne 0 ]
	expect_eq "kata: container \"c1\" does not exist" "$output" "logs after delete"
}

@test "logs: bad arguments fail with one line" {
	run kata logs
	expect_failure_clean "^kata: logs: a container id is required$"
	run kata logs --bogus c1
	expect_failure_clean "^kata: logs: unknown flag \"--bogus\"$"
	run kata logs c1 c2
	expect_failure_clean "^kata: logs: unexpected argument \"c2\"$"
}

@test "logs: a failed boot names the kernel panic in its error; --debug logs the console lines" {
	echo '{"hypervisor": {"qemu": {"kernel_params": "rdinit=/nonexistent"}}}' >"$KATA_CONF_FILE"
	set_args true
	run kata --log "$BUNDLE/log" run --bundle "$BUNDLE" c1
	expect_failure_clean "^kata: the guest agent did not come up \(console: .*Kernel panic - not syncing: "
	# Without --debug the log has the error, not the console.
	grep -q "error: c1: the guest agent did not come up" "$BUNDLE/log" || { echo "log: [$(cat "$BUNDLE/log")]" >&2; false; }
	! grep -q "console.log:" "$BUNDLE/log" || { echo "console lines without --debug" >&2; false; }
	run kata --debug --log "$BUNDLE/debug.log" run --bundle "$BUNDLE" c1
	expect_failure_clean "Kernel panic - not syncing"
	grep -q "debug: c1: console.log: .*Linux version $GUEST_RELEASE" "$BUNDLE/debug.log" &&
		grep -q "debug: c1: console.log: .*Kernel panic - not syncing" "$BUNDLE/debug.log" ||
		{ echo "debug log: [$(cat "$BUNDLE/debug.log")]" >&2; false; }
}
