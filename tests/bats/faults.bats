#!/usr/bin/env bats
# Faults: whatever dies, the container reports stopped, its exit status is defined, and
# delete removes everything (VM, monitor, mounts, state).

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

qemu_pid_of() {
	pgrep -f -- "qemu-system.* kata:$ROOT/$1( |$)" | head -1
}

@test "faults: QEMU killed with SIGKILL -> stopped with status 255, delete cleans up" {
	set_args sleep 600
	kata run --detach --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu
	qemu=$(qemu_pid_of c1)
	[ -n "$qemu" ] || { echo "no QEMU found for c1" >&2; false; }
	kill -9 "$qemu"
	wait_status c1 20 stopped
	expect_eq 255 "$(jq -r .exit_status "$ROOT/c1/state.json")" "exit status when the VM died"
	kata delete c1
	expect_root_empty
}

@test "faults: monitor killed with SIGKILL -> QEMU dies too, stopped, delete cleans up" {
	set_args sleep 600
	kata run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu
	qemu=$(qemu_pid_of c1)
	kill -9 "$(cat "$BATS_TEST_TMPDIR/pid")"
	wait_status c1 20 stopped
	for _ in $(seq 50); do process_gone "$qemu" && break; sleep 0.1; done
	process_gone "$qemu" || { echo "QEMU $qemu outlived its monitor" >&2; false; }
	# Nobody was left to record a status (docs/faults.md).
	expect_eq -1 "$(jq -r .exit_status "$ROOT/c1/state.json")" "exit status recorded"
	kata delete c1
	expect_root_empty
}

@test "faults: two creates of the same id at once: exactly one wins" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/e1" &
	local a=$!
	kata create --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/e2" &
	local b=$!
	local ra=0 rb=0
	wait "$a" || ra=$?
	wait "$b" || rb=$?
	if ! { [ "$ra" -eq 0 ] && [ "$rb" -ne 0 ]; } && ! { [ "$ra" -ne 0 ] && [ "$rb" -eq 0 ]; }; then
		echo "exit codes $ra and $rb: expected exactly one success" >&2
		false
	fi
	grep -h 'container with id exists: c1' "$BATS_TEST_TMPDIR/e1" "$BATS_TEST_TMPDIR/e2"
	expect_eq created "$(state_status c1)"
	kata delete c1
	expect_root_empty
}

@test "faults: delete --force while the workload ignores SIGTERM" {
	set_args sh -c 'trap "" TERM; echo ready; while :; do sleep 1; done'
	kata run --detach --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_for_line "$BATS_TEST_TMPDIR/out" 20 ready
	kata kill c1 TERM
	sleep 0.5
	expect_eq running "$(state_status c1)" "TERM is ignored"
	kata delete --force c1
	expect_root_empty
}

# The container shares the guest's PID namespace (no "pid" namespace in the spec), so PID 1 of
# its /proc is the agent. Root with CAP_SYS_PTRACE may write the agent's memory: ud2 goes where
# the agent's blocked syscall returns to, so the agent dies of SIGILL on its next wake-up (here
# the workload's own exit) and the guest kernel panics ("Attempted to kill init!").
@test "faults: the agent crashes (guest PID 1 dies, the kernel panics) -> QEMU exits, stopped with 255" {
	set_config '.linux.namespaces -= [{"type": "pid"}]'
	# /proc/1/syscall: "nr arg1..arg6 sp pc" while the agent waits in a syscall; wait until it
	# is back in its loop's epoll_wait (232) or epoll_pwait (281). Exit 9: the write failed.
	# (set_args takes one line per argument.)
	set_args sh -c 'for _ in $(seq 100); do set -- $(cat /proc/1/syscall); [ "$1" = 232 ] || [ "$1" = 281 ] && break; sleep 0.1; done; printf "\017\013" | dd of=/proc/1/mem bs=1 seek=$(($9)) conv=notrunc 2>/dev/null || exit 9'
	kata --log "$BATS_TEST_TMPDIR/log" run --detach --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu
	qemu=$(qemu_pid_of c1)
	wait_status c1 30 stopped
	expect_eq 255 "$(jq -r .exit_status "$ROOT/c1/state.json")" "exit status when the agent died"
	# The monitor's log says why, from the guest's console.
	grep -q 'c1: the VM stopped before the workload exited (guest console: Kernel panic - not syncing: Attempted to kill init!' "$BATS_TEST_TMPDIR/log" || {
		echo "expected the panic in the monitor's log, got: [$(cat "$BATS_TEST_TMPDIR/log")]" >&2
		false
	}
	grep -q 'Kernel panic - not syncing: Attempted to kill init' "$ROOT/c1/console.log" || {
		echo "expected the guest kernel's panic in the console log, got: [$(tail -5 "$ROOT/c1/console.log")]" >&2
		false
	}
	for _ in $(seq 50); do process_gone "$qemu" && break; sleep 0.1; done
	process_gone "$qemu" || { echo "QEMU $qemu still runs after the guest panicked" >&2; false; }
	kata delete c1
	expect_root_empty
}

@test "faults: the guest powers itself off (container in the guest's PID namespace) -> stopped with 255" {
	set_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'poweroff -f; echo still running; sleep 600'
	run kata --log "$BATS_TEST_TMPDIR/log" run --bundle "$BUNDLE" c1 </dev/null
	expect_status 255
	if [[ "$output" == *"still running"* ]]; then
		echo "expected the VM to power off, got: [$output]" >&2
		false
	fi
	grep -q 'c1: the VM stopped before the workload exited (guest console: reboot: Power down)' "$BATS_TEST_TMPDIR/log" || {
		echo "expected the power-off in the monitor's log, got: [$(cat "$BATS_TEST_TMPDIR/log")]" >&2
		false
	}
	expect_root_empty
}

# reboot(2) from a non-initial PID namespace ends that namespace's init with SIGINT (power
# off) or SIGHUP (reboot) instead.
@test "faults: poweroff -f / reboot -f inside the container's own PID namespace end it with 130 / 129" {
	set_args sh -c 'poweroff -f; echo still running; sleep 600'
	run kata run --bundle "$BUNDLE" c1 </dev/null
	expect_status 130
	set_args sh -c 'reboot -f; echo still running; sleep 600'
	run kata run --bundle "$BUNDLE" c2 </dev/null
	expect_status 129
	expect_root_empty
}

@test "faults: the state directory removed under a running container -> the monitor stops the VM" {
	set_args sleep 600
	kata run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu monitor
	qemu=$(qemu_pid_of c1)
	monitor=$(cat "$BATS_TEST_TMPDIR/pid")
	rm -rf "${ROOT:?}/c1"
	for _ in $(seq 100); do process_gone "$qemu" && process_gone "$monitor" && break; sleep 0.1; done
	process_gone "$monitor" || { echo "monitor $monitor still runs without its state" >&2; false; }
	process_gone "$qemu" || { echo "QEMU $qemu still runs without its state" >&2; false; }
	run kata state c1
	expect_status 1
	expect_output_contains 'container "c1" does not exist'
	run kata delete --force c1
	expect_status 1
	run kata list -q
	expect_eq "" "$output" "list after the state directory was removed"
	expect_root_empty
}

# The create holds the container's lock while it boots: delete waits for it, then deletes.
@test "faults: delete --force while create is still booting -> the container is deleted" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	local creator=$!
	for _ in $(seq 100); do [ -e "$ROOT/c1/state.json" ] && break; sleep 0.05; done
	expect_eq creating "$(jq -r .status "$ROOT/c1/state.json")" "status while booting"
	kata delete --force c1
	local rc=0
	wait "$creator" || rc=$?
	# Either order is defined: the create finished first (0) and was then deleted.
	expect_eq 0 "$rc" "create's exit status (stderr: $(cat "$BATS_TEST_TMPDIR/err"))"
	expect_root_empty
	run kata state c1
	expect_status 1
}

@test "faults: kill and delete --force racing the workload's own exit leave nothing behind" {
	local i delay
	for i in 1 2 3 4 5; do
		delay=$(printf '0.%d' $((i * 2)))
		set_args sh -c "sleep $delay; exit 3"
		kata run --detach --bundle "$BUNDLE" "r$i" </dev/null >/dev/null 2>&1
		sleep "0.$((i * 2 - 1))"
		# Either the kill got there first (137) or the workload's own exit did (3).
		run kata kill "r$i" KILL
		if [ "$status" -ne 0 ]; then
			expect_output_contains "not running"
		fi
		wait_status "r$i" 20 stopped
		local st
		st=$(jq -r .exit_status "$ROOT/r$i/state.json")
		[ "$st" = 3 ] || [ "$st" = 137 ] || { echo "round $i: exit status expected 3 or 137, got $st" >&2; false; }
		kata delete "r$i"
		# delete --force racing the exit itself.
		kata run --detach --bundle "$BUNDLE" "d$i" </dev/null >/dev/null 2>&1
		sleep "0.$((i * 2 - 1))"
		kata delete --force "d$i"
	done
	expect_root_empty
}

# The killed create leaves "creating" with a dead pid: state says stopped, delete removes the
# directory, and the monitor still booting finds its state gone and stops its VM.
@test "faults: create killed while the VM boots -> stopped, delete leaves nothing behind" {
	set_args sleep 600
	local delay
	for delay in 0.1 0.4 0.8; do
		# The binary itself, not the kata shell function (a subshell would be killed instead).
		"$KATA_BIN" --root "$ROOT" create --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1 &
		local creator=$!
		sleep "$delay"
		# On a quick host create may have finished already: then it is simply created.
		kill -9 "$creator" 2>/dev/null || true
		wait "$creator" 2>/dev/null || true
		# Killed before or after the monitor wrote "created": stopped or created, never running.
		local st
		st=$(state_status c1)
		[ "$st" = stopped ] || [ "$st" = created ] || { echo "after killing create at ${delay}s: expected stopped or created, got [$st]" >&2; false; }
		kata delete --force c1
		local left=
		for _ in $(seq 300); do
			left=$(pgrep -af -- "$ROOT( |/|$)" || true)
			[ -z "$left" ] && break
			sleep 0.1
		done
		expect_eq "" "$left" "processes left after killing create at ${delay}s and deleting"
		expect_root_empty
	done
}

# The guest is untrusted: a container that may create and write the serial port (here: all
# capabilities, no device rules) must not fill the host's /run through console.log.
@test "faults: a guest flooding its serial console cannot grow console.log past 1 MiB" {
	set_args sh -c 'mknod /dev/ttyS0 c 4 64 && head -c 1500000 /dev/zero | tr "\000" x >/dev/ttyS0 && echo END-OF-FLOOD >/dev/ttyS0; sleep 600'
	kata run --detach --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local log=$ROOT/c1/console.log size=
	for _ in $(seq 600); do
		size=$(stat -c %s "$log")
		grep -q END-OF-FLOOD "$log" && [ "$size" -le 1048576 ] && break
		sleep 0.1
	done
	grep -q END-OF-FLOOD "$log" || { echo "the flood never ended; console.log has $size bytes" >&2; false; }
	[ "$size" -le 1048576 ] || { echo "console.log: expected at most 1048576 bytes, got $size" >&2; false; }
	expect_eq running "$(state_status c1)" "status after the flood"
	kata delete --force c1
	expect_root_empty
}

# A hung guest: QEMU stopped (SIGSTOP), so the agent answers nothing. Requests fail on the
# CLI's timeout; delete --force gives up on the monitor and kills it, and QEMU with it.
@test "faults: a hung VM (QEMU stopped): kill fails with a timeout, delete --force removes everything" {
	set_args sleep 600
	kata run --detach --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	local qemu
	qemu=$(qemu_pid_of c1)
	kill -STOP "$qemu"
	run kata kill c1 TERM
	expect_status 1
	expect_output_contains "kata: the container's monitor did not answer in 10000 ms"
	expect_eq running "$(state_status c1)" "status of the hung container"
	kata delete --force c1
	for _ in $(seq 50); do process_gone "$qemu" && break; sleep 0.1; done
	process_gone "$qemu" || { echo "the stopped QEMU $qemu survived delete --force" >&2; false; }
	expect_root_empty
}
