#!/usr/bin/env bats
# kata version / --version, and the command line's own errors.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "version: version, commit, spec and compiled-in features" {
	run kata version
	expect_status 0
	[[ "${lines[0]}" =~ ^kata\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "[$output]" >&2; false; }
	[[ "${lines[1]}" =~ ^commit:\ [0-9a-f]+|unknown$ ]]
	expect_eq "spec: 1.0.2" "${lines[2]}"
	[[ "${lines[3]}" == *+SECCOMP* && "${lines[3]}" == *+CAP* && "${lines[3]}" == *+YAJL* ]]
	local version_out=$output
	run kata --version
	expect_status 0
	expect_eq "$version_out" "$output"
	run kata -v
	expect_eq "$version_out" "$output"
}

@test "version: every runc command is known; unknown ones fail" {
	run kata --help
	expect_status 0
	local cmd
	for cmd in create start state kill delete run exec ps list pause resume update events spec \
		features checkpoint restore check env version; do
		printf '%s\n' "$output" | grep -qE "^  $cmd " || { echo "no $cmd in help" >&2; false; }
	done
	run kata frobnicate
	[ "$status" -ne 0 ]
	expect_eq 'kata: unknown command "frobnicate" (see kata --help)' "$output"
	run kata version extra
	[ "$status" -ne 0 ]
}

@test "kill: an unknown signal fails like runc" {
	start_sleeper c1
	run kata kill c1 SIGNOPE
	[ "$status" -ne 0 ]
	expect_eq 'kata: kill: invalid signal "SIGNOPE"' "$output"
	expect_eq running "$(state_status c1)"
}
