#!/usr/bin/env bats
# kata spec: runc's default config.json, usable as written with a busybox rootfs.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "spec: writes a runc-shaped config.json that runs with the busybox rootfs" {
	local dir=$BATS_TEST_TMPDIR/b
	mkdir "$dir"
	kata spec --bundle "$dir"
	local cfg=$dir/config.json
	expect_eq 1.0.2 "$(jq -r .ociVersion "$cfg")"
	expect_eq '["sh"]' "$(jq -c .process.args "$cfg")"
	expect_eq true "$(jq .process.terminal "$cfg")"
	expect_eq rootfs "$(jq -r .root.path "$cfg")"
	expect_eq true "$(jq .root.readonly "$cfg")"
	expect_eq "cgroup ipc mount network pid uts" "$(jq -r '[.linux.namespaces[].type] | sort | join(" ")' "$cfg")"
	ln -s "$KATA_BUILD/bundle/rootfs" "$dir/rootfs"
	# The default process is an interactive shell: feed it a script.
	run bash -c 'cd "$0" && printf "echo spec-works; touch /x || echo read-only; exit 3\n" | "$1" --root "$2" run s1' \
		"$dir" "$KATA_BIN" "$ROOT"
	expect_status 3
	[[ "$output" == *spec-works* ]] || { echo "[$output]" >&2; false; }
	[[ "$output" == *read-only* ]] || { echo "[$output]" >&2; false; }
	expect_root_empty
}

@test "spec: defaults to the current directory and refuses to overwrite" {
	cd "$BATS_TEST_TMPDIR"
	kata spec
	[ -f config.json ]
	echo '{"mine": true}' >config.json
	run kata spec
	[ "$status" -ne 0 ]
	expect_eq "kata: File ./config.json exists. Remove it first" "$output"
	expect_eq '{"mine": true}' "$(cat config.json)" "config.json untouched"
}

@test "spec: --rootless is refused and a missing bundle directory fails" {
	run kata spec --rootless --bundle "$BATS_TEST_TMPDIR"
	[ "$status" -ne 0 ]
	expect_eq "kata: --rootless is not supported: kata runs containers as root" "$output"
	[ ! -e "$BATS_TEST_TMPDIR/config.json" ]
	run kata spec --bundle "$BATS_TEST_TMPDIR/none"
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: create $BATS_TEST_TMPDIR/none/config.json: No such file or directory" ]]
}
