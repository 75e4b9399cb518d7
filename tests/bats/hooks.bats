#!/usr/bin/env bats
# OCI hooks: prestart, createRuntime, poststart and poststop run on the host with the state on
# stdin, their args, env and timeout; a failing create hook fails create and leaves nothing;
# hooks that would run in the container's namespaces (inside the VM) are refused.

load helpers

setup() {
	setup_kata
	OUT=$BUNDLE/hook-out
	mkdir -p "$OUT"
	# Records its stdin, args and one env variable in $OUT/<name>.{json,args,env}.
	cat >"$BUNDLE/record.sh" <<'SH'
#!/bin/sh
name=$1
shift
cat >"$OUTDIR/$name.json"
echo "$*" >"$OUTDIR/$name.args"
echo "HOOKVAR=$HOOKVAR" >"$OUTDIR/$name.env"
SH
	chmod +x "$BUNDLE/record.sh"
	NS=kh$$_$BATS_TEST_NUMBER
	HOSTIF=kv$$_$BATS_TEST_NUMBER
}

teardown() {
	teardown_kata
	local rc=$?
	ip link del "$HOSTIF" 2>/dev/null || true
	return $rc
}

# hook NAME [EXTRA-JSON]: a record.sh hook object writing $OUT/NAME.*.
hook() {
	jq -nc --arg p "$BUNDLE/record.sh" --arg n "$1" --arg o "OUTDIR=$OUT" \
		'{path: $p, args: ["record.sh", $n, "second-arg"], env: [$o, "HOOKVAR=v-\($n)", "PATH=/usr/bin:/bin"]}'
}

# expect_state NAME STATUS: $OUT/NAME.json is the state of c1 with STATUS.
expect_state() {
	local f=$OUT/$1.json
	[ -s "$f" ] || { echo "hook $1 did not run (no $f)" >&2; return 1; }
	expect_eq c1 "$(jq -r .id "$f")" "$1: id"
	expect_eq "$2" "$(jq -r .status "$f")" "$1: status"
	expect_eq "$BUNDLE" "$(jq -r .bundle "$f")" "$1: bundle"
	expect_eq "1.0.2" "$(jq -r .ociVersion "$f")" "$1: ociVersion"
	expect_eq "second-arg" "$(cat "$OUT/$1.args")" "$1: args after argv[0] and the name"
	expect_eq "HOOKVAR=v-$1" "$(cat "$OUT/$1.env")" "$1: env"
}

@test "hooks: prestart, createRuntime, poststart and poststop run with the container state" {
	set_config --argjson a "$(hook prestart)" --argjson b "$(hook createRuntime)" \
		--argjson c "$(hook poststart)" --argjson d "$(hook poststop)" \
		'.hooks = {prestart: [$a], createRuntime: [$b], poststart: [$c], poststop: [$d]}'
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata create --bundle "$BUNDLE" c1 </dev/null
	local pid
	pid=$(kata state c1 | jq .pid)
	expect_state prestart creating
	expect_state createRuntime creating
	expect_eq "$pid" "$(jq .pid "$OUT/prestart.json")" "prestart: pid is the container's"
	[ ! -e "$OUT/poststart.json" ] || { echo "poststart ran before start" >&2; false; }
	kata start c1
	expect_state poststart running
	expect_eq "$pid" "$(jq .pid "$OUT/poststart.json")" "poststart: pid"
	[ ! -e "$OUT/poststop.json" ] || { echo "poststop ran before delete" >&2; false; }
	kata kill c1 TERM
	wait_status c1
	kata delete c1
	expect_state poststop stopped
	expect_root_empty
}

@test "hooks: a failing prestart hook fails create, names the hook and leaves nothing behind" {
	printf '#!/bin/sh\necho "no network for you" >&2\nexit 3\n' >"$BUNDLE/fail.sh"
	chmod +x "$BUNDLE/fail.sh"
	set_config --arg p "$BUNDLE/fail.sh" --argjson d "$(hook poststop)" \
		'.hooks = {prestart: [{path: $p}], poststop: [$d]}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'hooks\.prestart\[0\] .*fail\.sh\): exited with status 3: no network for you'
	run pgrep -f -- "$ROOT"
	expect_eq "" "$output" "processes left"
	# The failed create goes on to delete: poststop runs.
	expect_state poststop stopped
}

@test "hooks: a hook past its timeout is killed and fails create" {
	printf '#!/bin/sh\nsleep 61\necho never\n' >"$BUNDLE/slow.sh"
	chmod +x "$BUNDLE/slow.sh"
	set_config --arg p "$BUNDLE/slow.sh" '.hooks = {createRuntime: [{path: $p, timeout: 1}]}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'hooks\.createRuntime\[0\] .*slow\.sh\): timed out after 1 s'
	# The hook's own children (its sleep) went with it.
	run pgrep -f -- "$BUNDLE/slow.sh|sleep 6[1]"
	expect_eq "" "$output" "hook processes left"
}

@test "hooks: a failing poststart or poststop hook is a warning only" {
	set_config '.hooks = {poststart: [{path: "/bin/false"}], poststop: [{path: "/bin/false"}]}'
	set_args echo ran
	run "$KATA_BIN" --root "$ROOT" --log "$BUNDLE/kata.log" run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq ran "$output" "the workload's output"
	run cat "$BUNDLE/kata.log"
	expect_output_contains 'warning: c1: hooks.poststart[0] (/bin/false): exited with status 1'
	expect_output_contains 'warning: c1: hooks.poststop[0] (/bin/false): exited with status 1'
	expect_root_empty
}

@test "hooks: createContainer and startContainer (container namespace, in the VM) are refused" {
	set_config '.hooks = {createContainer: [{path: "/bin/true"}]}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'hooks\.createContainer: not supported'
	set_config '.hooks = {startContainer: [{path: "/bin/true"}]}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'hooks\.startContainer: not supported'
	set_config '.hooks = {prestart: [{path: "relative/hook"}]}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'hooks\.prestart\[0\]\.path: "relative/hook" is not an absolute path'
}

@test "hooks: a prestart hook that fills /proc/<pid>/ns/net (docker's way) networks the guest" {
	# As docker's libnetwork-setkey: the hook reads the pid from the state and moves a veth
	# into that process's network namespace, with an address and a default route.
	cat >"$BUNDLE/netns-hook.sh" <<SH
#!/bin/bash
set -e
pid=\$(jq .pid)
ip link add $HOSTIF type veth peer name eth0 netns /proc/\$pid/ns/net
ip addr add 10.202.$((BATS_TEST_NUMBER % 250)).1/24 dev $HOSTIF
ip link set $HOSTIF up
nsenter --net=/proc/\$pid/ns/net ip addr add 10.202.$((BATS_TEST_NUMBER % 250)).2/24 dev eth0
nsenter --net=/proc/\$pid/ns/net ip link set eth0 up
nsenter --net=/proc/\$pid/ns/net ip route add default via 10.202.$((BATS_TEST_NUMBER % 250)).1
SH
	chmod +x "$BUNDLE/netns-hook.sh"
	set_config --arg p "$BUNDLE/netns-hook.sh" '.hooks = {prestart: [{path: $p, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]}'
	run_in_container "ip -o -4 addr show eth0 | grep -o 'inet [0-9./]*'; ping -c 2 -W 5 10.202.$((BATS_TEST_NUMBER % 250)).1 >/dev/null && echo ping-ok"
	expect_status 0
	expect_eq $'inet 10.202.'$((BATS_TEST_NUMBER % 250))$'.2/24\nping-ok' "$output" "guest network from the hook"
	# The peer lived in the monitor's own namespace, gone with it: so is the host end.
	local i
	for i in $(seq 50); do ip link show "$HOSTIF" >/dev/null 2>&1 || break; sleep 0.1; done
	run ip link show "$HOSTIF"
	[ "$status" -ne 0 ] || { echo "host end $HOSTIF still exists: its peer was not in the container's namespace" >&2; false; }
}
