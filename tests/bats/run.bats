#!/usr/bin/env bats
# kata run: the workload runs in the guest; exit codes and stdio come back exactly.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "run: the workload runs on the guest kernel, not the host's" {
	set_args uname -r
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r in the container"
	[ "$output" != "$(uname -r)" ]
	expect_root_empty
}

@test "run: the guest has its own CPU and memory, not the host's" {
	set_args sh -c 'grep -c ^processor /proc/cpuinfo; grep MemTotal /proc/meminfo | tr -s " " | cut -d" " -f2'
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq 1 "${lines[0]}" "guest cpu count"
	local host_mem
	host_mem=$(grep MemTotal /proc/meminfo | tr -s " " | cut -d" " -f2)
	[ "${lines[1]}" -lt "$host_mem" ] || { echo "guest MemTotal ${lines[1]} not below host $host_mem" >&2; false; }
}

@test "run: exit code 0 propagates" {
	set_args true
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
}

@test "run: exit code 42 propagates" {
	set_args sh -c 'exit 42'
	run kata run --bundle "$BUNDLE" c1
	expect_status 42
	expect_root_empty
}

@test "run: a workload killed by SIGKILL exits 137" {
	# The workload is PID 1 of its namespace: SIGKILL must come from outside, as with runc.
	set_args sleep 600
	kata run --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1 &
	local run_pid=$!
	wait_status c1 20 running
	kata kill c1 KILL
	local rc=0
	wait "$run_pid" || rc=$?
	expect_eq 137 "$rc" "exit status of kata run"
	expect_root_empty
}

@test "run: stdout and stderr stay separate" {
	set_args sh -c 'echo to-out; echo to-err >&2; echo more-out'
	local out err
	out=$(kata run --bundle "$BUNDLE" c1 2>"$BATS_TEST_TMPDIR/err")
	err=$(cat "$BATS_TEST_TMPDIR/err")
	expect_eq "to-out
more-out" "$out" "stdout"
	expect_eq "to-err" "$err" "stderr"
}

@test "run: stdin reaches the workload byte-exact, and binary stdout comes back byte-exact" {
	head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	set_args cat
	kata run --bundle "$BUNDLE" c1 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "run: stdin from a pipe, EOF ends the workload" {
	set_args sh -c 'read line; echo "got: $line"; cat >/dev/null; echo done'
	run bash -c "printf 'hello\nworld\n' | '$KATA_BIN' --root '$ROOT' run --bundle '$BUNDLE' c1"
	expect_status 0
	expect_eq "got: hello" "${lines[0]}"
	expect_eq "done" "${lines[1]}"
}

@test "run: spec hostname, cwd and env are applied in the guest" {
	set_config '.hostname = "box1" | .process.cwd = "/tmp" | .process.env += ["GREETING=hi there"]'
	set_args sh -c 'hostname; pwd; echo "$GREETING"'
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq "box1" "${lines[0]}" "hostname"
	expect_eq "/tmp" "${lines[1]}" "cwd"
	expect_eq "hi there" "${lines[2]}" "env"
}

@test "run: the workload is pid 1 of its own pid namespace" {
	set_args sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq 1 "${lines[0]}" "pid of the workload"
}

@test "run --detach: returns at once, the container runs, pid-file names the monitor" {
	set_args sleep 600
	# The monitor keeps run's stdio (as runc's container does): do not capture it.
	kata run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	expect_eq running "$(state_status c1)"
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	expect_eq "$pid" "$(kata state c1 | jq -r .pid)" "pid-file vs state pid"
	kill -0 "$pid"
	kata delete --force c1
	expect_root_empty
}

@test "run: a missing executable fails with runc's message and leaves nothing" {
	set_args /no/such/binary
	run kata run --bundle "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'no/such/binary'*'no such file or directory'* ]] || [[ "$output" == *'/no/such/binary'* ]]
	expect_root_empty
}

@test "run: spec domainname is applied in the guest's UTS namespace" {
	set_config '.domainname = "example.org"'
	set_args cat /proc/sys/kernel/domainname
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq example.org "$output" "domainname"
}

@test "run: domainname without a UTS namespace is refused" {
	set_config '.domainname = "example.org" | .linux.namespaces |= map(select(.type != "uts")) | del(.hostname)'
	set_args true
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'unable to set domainname without a private UTS namespace'
}
