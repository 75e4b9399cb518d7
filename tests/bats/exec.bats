#!/usr/bin/env bats
# kata exec: a new process in a running container, foreground or detached, as runc exec.

load helpers

setup() { setup_kata; }
teardown() {
	[ -n "${RECV_PID:-}" ] && kill "$RECV_PID" 2>/dev/null || true
	teardown_kata
}

@test "exec: relays stdout and stderr apart and exits with the process's status" {
	start_sleeper c1
	run kata exec c1 sh -c 'echo to-out; echo to-err >&2; exit 3'
	expect_status 3
	kata exec c1 sh -c 'echo to-out; echo to-err >&2' >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	expect_eq to-out "$(cat "$BATS_TEST_TMPDIR/out")" stdout
	expect_eq to-err "$(cat "$BATS_TEST_TMPDIR/err")" stderr
	kata delete --force c1
	expect_root_empty
}

@test "exec: stdin reaches the process and its end closes it" {
	start_sleeper c1
	run bash -c 'printf "line1\nline2\n" | "$0" --root "$1" exec c1 sh -c "cat; echo done"' "$KATA_BIN" "$ROOT"
	expect_status 0
	expect_eq $'line1\nline2\ndone' "$output"
}

@test "exec: a process killed by a signal gives 128+signal" {
	start_sleeper c1
	run kata exec c1 sh -c 'kill -9 $$'
	expect_status 137
}

@test "exec: defaults come from the container's config" {
	set_config '.process.env += ["FROM_CONFIG=yes"] | .process.cwd = "/tmp" | .process.user = {"uid": 1000, "gid": 1000}'
	start_sleeper c1
	run kata exec c1 sh -c 'echo $FROM_CONFIG; pwd; id -u; id -g'
	expect_status 0
	expect_eq $'yes\n/tmp\n1000\n1000' "$output"
}

@test "exec: --env, --cwd, --user and --additional-gids override the config" {
	set_config '.process.env += ["FROM_CONFIG=yes"]'
	start_sleeper c1
	run kata exec -e FROM_CONFIG=no --env EXTRA=1 --cwd /proc -u 123:456 -g 10 --additional-gids 20 \
		c1 sh -c 'echo $FROM_CONFIG $EXTRA; pwd; id -u; id -g; id -G'
	expect_status 0
	expect_eq $'no 1\n/proc\n123\n456\n456 10 20' "$output"
}

@test "exec: --cap adds a capability and --no-new-privs sets the flag" {
	set_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
	start_sleeper c1
	# CAP_KILL is bit 5, CAP_SYS_TIME bit 25.
	run kata exec c1 grep ^CapEff /proc/self/status
	expect_status 0
	expect_eq "CapEff:	0000000000000020" "$output"
	run kata exec --cap CAP_SYS_TIME c1 grep ^CapEff /proc/self/status
	expect_status 0
	expect_eq "CapEff:	0000000002000020" "$output"
	run kata exec c1 grep NoNewPrivs /proc/self/status
	expect_eq "NoNewPrivs:	0" "$output"
	run kata exec --no-new-privs c1 grep NoNewPrivs /proc/self/status
	expect_eq "NoNewPrivs:	1" "$output"
}

@test "exec: --process runs a process.json" {
	start_sleeper c1
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
	{"args": ["sh", "-c", "echo $GREETING from $(pwd); exit 4"], "env": ["GREETING=hello"],
	 "cwd": "/etc", "user": {"uid": 0, "gid": 0}}
	JSON
	run kata exec --process "$BATS_TEST_TMPDIR/process.json" c1
	expect_status 4
	expect_eq "hello from /etc" "$output"
	echo '{"args": "sh"}' >"$BATS_TEST_TMPDIR/bad.json"
	run kata exec -p "$BATS_TEST_TMPDIR/bad.json" c1
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: process file "*"process.args: expected an array of strings"* ]]
}

@test "exec: --tty gives the process a terminal" {
	start_sleeper c1
	run kata exec -t c1 sh -c 'test -t 0 && test -t 1 && tty'
	expect_status 0
	[[ "$output" == /dev/pts/* ]] || { echo "tty: [$output]" >&2; false; }
}

@test "exec: --detach leaves a stand-in in --pid-file that exits with the process's status" {
	start_sleeper c1
	local pidfile=$BATS_TEST_TMPDIR/exec.pid
	run exec_detached_status "$pidfile" exec --detach --pid-file "$pidfile" c1 sh -c 'sleep 1; exit 7'
	expect_status 0
	expect_eq 7 "$output" "stand-in exit status"
	process_gone "$(cat "$pidfile")"
	expect_eq running "$(state_status c1)"
}

@test "exec: a signal to the stand-in reaches the process" {
	start_sleeper c1
	local pidfile=$BATS_TEST_TMPDIR/exec.pid
	SIGNAL_STANDIN=SIGTERM run exec_detached_status "$pidfile" exec -d --pid-file "$pidfile" c1 sleep 100
	expect_status 0
	expect_eq 143 "$output" "stand-in exit status"
}

@test "exec: --detach --tty --console-socket hands the pty to the socket" {
	start_sleeper c1
	local sock=$BATS_TEST_TMPDIR/console.sock pidfile=$BATS_TEST_TMPDIR/exec.pid
	start_recvtty "$sock" "$BATS_TEST_TMPDIR/tty.out"
	run exec_detached_status "$pidfile" exec -d -t --console-socket "$sock" --pid-file "$pidfile" \
		c1 sh -c 'test -t 0 && echo stdin-is-a-tty; tty; exit 5'
	expect_status 0
	expect_eq 5 "$output" "stand-in exit status"
	wait "$RECV_PID" || true
	RECV_PID=
	local out
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	[[ "$out" == *stdin-is-a-tty* ]] || { echo "no tty: [$out]" >&2; false; }
	[[ "$out" == */dev/pts/* ]] || { echo "tty: [$out]" >&2; false; }
}

@test "exec: delete --force ends the container's stand-ins too" {
	start_sleeper c1
	local pidfile=$BATS_TEST_TMPDIR/exec.pid
	kata exec -d --pid-file "$pidfile" c1 sleep 600 </dev/null
	local pid
	pid=$(cat "$pidfile")
	[ -e "/proc/$pid" ]
	kata delete --force c1
	local i
	for i in $(seq 100); do process_gone "$pid" && break; sleep 0.1; done
	process_gone "$pid" || { echo "stand-in $pid outlived its container" >&2; false; }
	expect_root_empty
}

@test "exec: into a stopped container fails like runc" {
	set_args true
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 20 stopped
	run kata exec c1 echo hi
	[ "$status" -ne 0 ]
	expect_eq "kata: cannot exec in a stopped container" "$output"
	kata delete c1
	expect_root_empty
}

@test "exec: into a created container fails" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null
	run kata exec c1 echo hi
	[ "$status" -ne 0 ]
	expect_eq "kata: cannot exec in a created container (start c1 first)" "$output"
	expect_eq created "$(state_status c1)"
}

@test "exec: bad requests fail with one line and leave nothing behind" {
	start_sleeper c1
	run kata exec nosuch echo hi
	[ "$status" -ne 0 ]
	expect_eq 'kata: container "nosuch" does not exist' "$output"
	run kata exec c1
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: exec: a command is required"* ]]
	run kata exec --preserve-fds 1 c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: --preserve-fds is not supported"* ]]
	run kata exec -d -t c1 true
	[ "$status" -ne 0 ]
	expect_eq "kata: cannot allocate tty if kata will detach without setting console socket" "$output"
	run kata exec --console-socket /tmp/x.sock c1 true
	[ "$status" -ne 0 ]
	expect_eq "kata: cannot use console socket if kata will not detach or allocate tty" "$output"
	run kata exec -u nobody c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: invalid --user "nobody"'* ]]
	run kata exec --cap NOT_A_CAP c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: invalid --cap "NOT_A_CAP"'* ]]
	run kata exec --apparmor unconfined-x c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: --apparmor is not supported"* ]]
	run kata exec --process-label system_u:system_r:container_t:s0 c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: --process-label is not supported"* ]]
	run kata exec c1 /no/such/binary
	[ "$status" -ne 0 ]
	[[ "$output" == kata:*"/no/such/binary"* ]] || { echo "[$output]" >&2; false; }
	run kata exec --bogus c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: exec: unknown or incomplete flag "--bogus"' ]]
	# The container is untouched by all of that.
	expect_eq running "$(state_status c1)"
	run kata exec c1 echo still-fine
	expect_eq still-fine "$output"
}
