#!/usr/bin/env bats
# Bad input on every command: a clear one-line error naming the problem, a non-zero exit, and
# nothing left behind (no state, no mounts, no VM: teardown_kata checks for processes).

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

# expect_error_line PATTERN: the last `run` failed with one line matching PATTERN (the root
# may hold other containers).
expect_error_line() {
	if [ "$status" -eq 0 ] || [ "$(printf '%s\n' "$output" | grep -c .)" -ne 1 ] ||
		! [[ "$output" =~ $1 ]]; then
		echo "expected one error line matching [$1]; status $status, output: [$output]" >&2
		return 1
	fi
}

# create_fails PATTERN: `kata create` of this test's bundle fails cleanly with PATTERN.
create_fails() {
	run kata create --bundle "$BUNDLE" c1 </dev/null
	expect_failure_clean "$1"
}

@test "badinput: truncated config.json" {
	head -c 200 "$KATA_BUILD/bundle/config.json" >"$BUNDLE/config.json"
	create_fails 'config.json: invalid JSON: .*premature EOF'
	: >"$BUNDLE/config.json"
	create_fails 'config.json: invalid JSON'
	echo '[]' >"$BUNDLE/config.json"
	create_fails 'config.json: expected a JSON object'
}

@test "badinput: wrong types name the field" {
	local cfg=$(cat "$BUNDLE/config.json") case
	while IFS='|' read -r filter pattern; do
		printf '%s' "$cfg" | jq "$filter" >"$BUNDLE/config.json"
		run kata create --bundle "$BUNDLE" c1 </dev/null
		expect_failure_clean "$pattern" || { echo "filter: $filter" >&2; return 1; }
	done <<'CASES'
.ociVersion = 1|ociVersion: expected a string
.root = 5|root: expected an object
.process.env = "A=B"|process.env: expected an array of strings
.process.user.uid = "0"|process.user.uid: expected a non-negative integer
.process.terminal = "yes"|process.terminal: expected true or false
.mounts = "x"|mounts: expected an array
.linux.namespaces = "x"|linux.namespaces: expected an array
.hostname = 5|hostname: expected a string
.annotations = [1]|annotations: expected an object
CASES
}

@test "badinput: missing required fields" {
	local cfg=$(cat "$BUNDLE/config.json")
	while IFS='|' read -r filter pattern; do
		printf '%s' "$cfg" | jq "$filter" >"$BUNDLE/config.json"
		run kata create --bundle "$BUNDLE" c1 </dev/null
		expect_failure_clean "$pattern" || { echo "filter: $filter" >&2; return 1; }
	done <<'CASES'
del(.ociVersion)|ociVersion is required
del(.root)|root is required
del(.root.path)|root.path is required
del(.process)|process is required
del(.process.args)|process.args must not be empty
del(.process.cwd)|process.cwd is required
.mounts = [{"type": "bind"}]|mounts\[\].destination is required
CASES
}

@test "badinput: ociVersion mismatch" {
	set_config '.ociVersion = "2.0.0"'
	create_fails 'unsupported ociVersion "2.0.0"'
}

@test "badinput: rootfs missing or a regular file" {
	set_config --arg p "$BUNDLE/nosuch" '.root.path = $p'
	create_fails "rootfs \"$BUNDLE/nosuch\".*No such file"
	touch "$BUNDLE/afile"
	set_config --arg p "$BUNDLE/afile" '.root.path = $p'
	create_fails "rootfs \"$BUNDLE/afile\" is not a directory"
}

@test "badinput: bad ids are refused with one line naming the id" {
	local long=$(printf 'x%.0s' $(seq 129)) id
	run kata create --bundle "$BUNDLE" ''
	expect_failure_clean 'container id cannot be empty'
	run kata create --bundle "$BUNDLE" "$long"
	expect_failure_clean 'longer than 128 characters'
	for id in 'a/b' '..' '.' 'a b' '../etc' "$(printf 'a\tb')" "$(printf 'a\nb')" \
		"$(printf 'a/b\nc')" "$(printf 'a\033[2Jb')"; do
		run kata create --bundle "$BUNDLE" "$id"
		expect_failure_clean 'invalid container id' || { echo "id: [$id]" >&2; return 1; }
	done
	# A 128-character id is fine as far as the id goes (state reports it unknown).
	run kata state "$(printf 'x%.0s' $(seq 128))"
	expect_failure_clean 'does not exist'
}

@test "badinput: unknown id on every command" {
	local cmd
	for cmd in state start kill delete "exec nosuch true" ps pause resume "update --memory 64M" \
		events; do
		# shellcheck disable=SC2086
		if [[ $cmd == *' '* ]]; then
			set -- $cmd
			local verb=$1
			shift
			[ "$verb" = exec ] && run kata exec "$@" || run kata "$verb" "$@" nosuch
		else
			run kata $cmd nosuch
		fi
		expect_failure_clean '^kata: container "nosuch" does not exist$' ||
			{ echo "command: $cmd" >&2; return 1; }
	done
}

@test "badinput: unknown flags on every command" {
	local cmd
	for cmd in create run start state kill delete exec ps pause resume update events list spec \
		check; do
		run kata $cmd --bogus c1
		expect_failure_clean "^kata: $cmd: unknown.* flag \"--bogus\"$" ||
			{ echo "command: $cmd" >&2; return 1; }
	done
	for cmd in features version env; do
		run kata $cmd --bogus
		expect_failure_clean '"--bogus"' || { echo "command: $cmd" >&2; return 1; }
	done
}

@test "badinput: signals out of range, and a bad exec --process, leave the container be" {
	start_sleeper c1
	local sig
	for sig in 0 65 -1 99999 SIGNOPE 9x ''; do
		run kata kill c1 "$sig"
		expect_error_line "invalid signal \"$sig\"" || return 1
	done
	expect_eq running "$(state_status c1)" "after refused signals"

	echo '{"args": ["true"], ' >"$BATS_TEST_TMPDIR/process.json"
	run kata exec --process "$BATS_TEST_TMPDIR/process.json" c1
	expect_error_line 'process.json.*invalid JSON|invalid JSON.*process.json'
	echo '["true"]' >"$BATS_TEST_TMPDIR/process.json"
	run kata exec --process "$BATS_TEST_TMPDIR/process.json" c1
	expect_error_line 'process.json.*expected an object'
	run kata exec --process "$BATS_TEST_TMPDIR/nosuch.json" c1
	expect_error_line 'nosuch.json.*No such file'
	kata exec c1 true
	expect_eq running "$(state_status c1)" "after refused execs"
	kata delete --force c1
	expect_root_empty
}

@test "badinput: --console-socket missing or not a socket" {
	set_config '.process.terminal = true'
	run kata create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nosuch" c1
	expect_failure_clean "console socket \"$BATS_TEST_TMPDIR/nosuch\": No such file"
	touch "$BATS_TEST_TMPDIR/regular"
	run kata create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/regular" c1
	expect_failure_clean "console socket \"$BATS_TEST_TMPDIR/regular\" is not a socket"
}

@test "badinput: --pid-file in a missing directory fails create and leaves nothing" {
	run kata create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/nosuch/c1.pid" c1 </dev/null
	# Refused before any VM boots.
	expect_failure_clean "pid file \"$BATS_TEST_TMPDIR/nosuch/c1.pid\": directory \"$BATS_TEST_TMPDIR/nosuch\" does not exist"
	[ ! -e "$BATS_TEST_TMPDIR/nosuch" ]
	local i
	for i in $(seq 50); do
		pgrep -f -- "$ROOT( |/|$)" >/dev/null || break
		sleep 0.1
	done
	run pgrep -af -- "$ROOT( |/|$)"
	expect_eq "" "$output" "processes of the failed create"
}
