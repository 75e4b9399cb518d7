#!/usr/bin/env bats
# Leaks: kata built with AddressSanitizer (build/kata-asan, `make bats` builds it) drives whole
# lifecycles and faults. The CLI is checked by LeakSanitizer at exit; the monitor and the exec
# stand-in are forked and leave with _exit, so they run the check themselves (leak_check.c).
# Every report lands in $ASAN_DIR: the test fails if there is any.
# The agent is not covered here: it is static (ASan needs a dynamic runtime) and PID 1 of the
# guest. Its request dispatch runs on the host under ASan/LSan in test_agent_server (channel
# and PID 1 duties stubbed), its parsers in test_agent_parsing and test_agent_cgroup.

load helpers

setup() {
	setup_kata
	KATA_BIN=$KATA_BUILD/kata-asan
	[ -x "$KATA_BIN" ] || { echo "missing $KATA_BIN: make $KATA_BUILD/kata-asan" >&2; return 1; }
	ASAN_DIR=$BATS_TEST_TMPDIR/asan
	mkdir -p "$ASAN_DIR"
	export ASAN_OPTIONS="log_path=$ASAN_DIR/report:detect_leaks=1"
	export UBSAN_OPTIONS="log_path=$ASAN_DIR/ubsan:print_stacktrace=1"
}
teardown() { teardown_kata; }

# No sanitizer report was written (fails printing the first ones).
expect_no_reports() {
	local reports
	reports=$(ls -A "$ASAN_DIR")
	if [ -n "$reports" ]; then
		echo "expected no sanitizer reports, got: $reports" >&2
		head -40 "$ASAN_DIR"/* >&2
		return 1
	fi
}

@test "leaks: run, create/start/exec/ps/pause/resume/kill/delete under ASan report nothing" {
	set_args sh -c 'echo out; echo err >&2; exit 3'
	run kata run --bundle "$BUNDLE" r1 </dev/null
	expect_status 3
	expect_line out
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	run kata exec c1 sh -c 'echo in-exec; exit 5'
	expect_status 5
	expect_line in-exec
	run exec_detached_status "$BATS_TEST_TMPDIR/xpid" exec --detach --pid-file "$BATS_TEST_TMPDIR/xpid" c1 sh -c 'exit 7'
	expect_eq 7 "$output" "detached exec status"
	kata ps c1 >/dev/null
	kata pause c1
	kata resume c1
	kata kill c1 TERM
	wait_status c1 20 stopped
	kata delete c1
	# A create that fails (a missing command) and a delete --force of a running container.
	set_args /no/such/command
	run kata create --bundle "$BUNDLE" bad </dev/null
	[ "$status" -ne 0 ]
	set_args sleep 600
	kata run --detach --bundle "$BUNDLE" f1 </dev/null
	kata delete --force f1
	# Monitors exit after delete returns: wait for them before reading the reports.
	for _ in $(seq 50); do [ -z "$(pgrep -f -- "$ROOT( |/|$)")" ] && break; sleep 0.1; done
	expect_root_empty
	expect_no_reports
}

@test "leaks: OOM events (kata events, a subscriber that leaves, the monitor's GetOOMEvent) report nothing" {
	set_config '.linux.resources = {"memory": {"limit": 16777216}}'
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	kata events --interval 1h c1 >"$BATS_TEST_TMPDIR/events" &
	local ev=$!
	for _ in $(seq 300); do [ -s "$BATS_TEST_TMPDIR/events" ] && break; sleep 0.1; done
	# A subscriber that goes away before any event.
	timeout 3 "$KATA_BIN" --root "$ROOT" events --interval 1h c1 >/dev/null || true
	run kata exec c1 tail /dev/zero
	expect_status 137
	wait_for_line "$BATS_TEST_TMPDIR/events" 30 '{"type":"oom","id":"c1"}'
	kata kill c1 TERM
	wait "$ev"
	wait_status c1 20 stopped
	kata delete c1
	for _ in $(seq 50); do [ -z "$(pgrep -f -- "$ROOT( |/|$)")" ] && break; sleep 0.1; done
	expect_root_empty
	expect_no_reports
}

@test "leaks: the monitor's fault paths (VM killed, agent crash, state directory removed) report nothing" {
	set_args sleep 600
	kata run --detach --bundle "$BUNDLE" q1 </dev/null
	pkill -9 -f -- "qemu-system.* kata:$ROOT/q1( |$)"
	wait_status q1 20 stopped
	kata delete q1
	set_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'for _ in $(seq 100); do set -- $(cat /proc/1/syscall); [ "$1" = 232 ] || [ "$1" = 281 ] && break; sleep 0.1; done; printf "\017\013" | dd of=/proc/1/mem bs=1 seek=$(($9)) conv=notrunc 2>/dev/null || exit 9'
	run kata run --bundle "$BUNDLE" a1 </dev/null
	expect_status 255
	set_args sleep 600
	kata run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" s1 </dev/null
	local monitor
	monitor=$(cat "$BATS_TEST_TMPDIR/pid")
	rm -rf "${ROOT:?}/s1"
	for _ in $(seq 100); do process_gone "$monitor" && break; sleep 0.1; done
	process_gone "$monitor"
	for _ in $(seq 50); do [ -z "$(pgrep -f -- "$ROOT( |/|$)")" ] && break; sleep 0.1; done
	expect_root_empty
	expect_no_reports
}

@test "leaks: the VM template (save, restore, a pool of clones, destroy) reports nothing" {
	export KATA_FACTORY_DIR=$BUNDLE/factory
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	printf '{"factory": {"enable_template": true, "vm_cache_number": 1}}\n' >"$KATA_CONF_FILE"
	run "$KATA_BIN" factory init
	expect_status 0
	"$KATA_BIN" factory status --format json >/dev/null
	# The first container takes the pooled clone; the second a refilled one, or the template
	# restored by its own monitor when the refill is not ready yet.
	set_args sh -c 'uname -r'
	run kata run --bundle "$BUNDLE" t1 </dev/null
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r in a pooled clone"
	run kata run --bundle "$BUNDLE" t2 </dev/null
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r in a restored VM"
	run "$KATA_BIN" factory destroy
	expect_status 0
	for _ in $(seq 50); do [ -z "$(pgrep -f -- "$ROOT( |/|$)|$KATA_FACTORY_DIR/")" ] && break; sleep 0.1; done
	expect_root_empty
	expect_no_reports
}
