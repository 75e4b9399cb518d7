#!/usr/bin/env bats
# Bad input: a clear one-line error, a non-zero exit, and nothing left behind.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "errors: missing bundle" {
	run kata create --bundle /nonexistent/bundle c1
	expect_failure_clean 'bundle "/nonexistent/bundle".*No such file'
}

@test "errors: malformed config.json" {
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'config.json: invalid JSON'
}

@test "errors: wrong type in config.json names the field" {
	set_config '.process.args = "sh"'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'process.args: expected an array of strings'
}

@test "errors: missing root in config.json" {
	set_config 'del(.root)'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'root is required'
}

@test "errors: unknown namespace type" {
	set_config '.linux.namespaces += [{"type": "bogus"}]'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'unknown namespace type "bogus"'
}

@test "errors: rootfs that does not exist" {
	set_config '.root.path = "/nonexistent/rootfs"'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'rootfs "/nonexistent/rootfs"'
}

@test "errors: duplicate id" {
	set_args sleep 600
	kata create --bundle "$BUNDLE" c1 </dev/null
	run kata create --bundle "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == 'kata: container with id exists: c1' ]]
	expect_eq created "$(state_status c1)" "the first container is untouched"
	kata delete --force c1
	expect_root_empty
}

@test "errors: unknown id on every command" {
	local cmd
	for cmd in state start "kill" delete; do
		run kata $cmd nosuch
		[ "$status" -ne 0 ] || { echo "$cmd succeeded" >&2; false; }
		[[ "$output" == 'kata: container "nosuch" does not exist' ]] || { echo "$cmd: [$output]" >&2; false; }
	done
}

@test "errors: ids with / .. or spaces are refused" {
	local id
	for id in 'a/b' '..' '.' 'a b' '' "$(printf 'a\tb')"; do
		run kata create --bundle "$BUNDLE" "$id"
		[ "$status" -ne 0 ] || { echo "id [$id] accepted" >&2; false; }
		[[ "$output" == *'container id'* ]] || { echo "id [$id]: [$output]" >&2; false; }
	done
	expect_root_empty
}

@test "errors: a missing executable fails create with runc's message" {
	set_args nosuchcmd
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'executable file not found in \$PATH'
}

@test "errors: unknown command and unknown flag" {
	run kata frobnicate
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown command "frobnicate"'* ]]
	run kata create --bogus c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown or incomplete flag "--bogus"'* ]]
	run kata kill c1 SIGBOGUS
	[ "$status" -ne 0 ]
	[[ "$output" == *'invalid signal "SIGBOGUS"'* ]]
}

@test "errors: terminal without a console socket is refused for create" {
	set_config '.process.terminal = true'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'cannot allocate tty'
}

@test "errors: --log-format json writes errors as JSON lines to --log" {
	run "$KATA_BIN" --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nosuch
	[ "$status" -ne 0 ]
	expect_eq error "$(jq -r .level "$BATS_TEST_TMPDIR/log.json")" "log level"
	expect_eq 'container "nosuch" does not exist' "$(jq -r .msg "$BATS_TEST_TMPDIR/log.json")" "log msg"
	[ -n "$(jq -r .time "$BATS_TEST_TMPDIR/log.json")" ]
}
