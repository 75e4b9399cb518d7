#!/usr/bin/env bats
# libkata as an installed library: `make install` into a temporary prefix, the example client
# built against it through pkg-config, run with only LD_LIBRARY_PATH pointing at it. The guest
# image must be found through the library's own location (no KATA_KERNEL/KATA_INITRD), the
# workload's output and exit status must come back, and nothing may be left behind.

bats_require_minimum_version 1.5.0

load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup_file() {
	export LIBTMP
	LIBTMP=$(mktemp -d /tmp/kata-libkata.XXXXXX)
	# DESTDIR unset: the prefix is where the library really lives.
	if ! env -u DESTDIR make -C "$REPO" B="$KATA_BUILD" install PREFIX="$LIBTMP/prefix" \
		>"$LIBTMP/install.log" 2>&1; then
		cat "$LIBTMP/install.log" >&3
		return 1
	fi
	# The programs live outside the prefix, so "beside the program" cannot find the image.
	mkdir -p "$LIBTMP/bin"
	local prog
	for prog in run_container show_config watch_events; do
		PKG_CONFIG_PATH=$LIBTMP/prefix/lib/pkgconfig \
			sh -c 'cc -std=gnu11 -Wall -Wextra -Werror -o "$1" "$2" $(pkg-config --cflags --libs kata)' \
			sh "$LIBTMP/bin/$prog" "$REPO/tests/example/$prog.c"
	done
}

teardown_file() {
	rm -rf "$LIBTMP"
}

setup() { setup_kata; }
teardown() { teardown_kata; }

# A program of $LIBTMP/bin with the installed library and no guest image override.
client() {
	env -u KATA_KERNEL -u KATA_INITRD LD_LIBRARY_PATH="$LIBTMP/prefix/lib" "$LIBTMP/bin/$@"
}

expect_nothing_left() {
	local left
	left=$(ls -A "$ROOT")
	expect_eq "" "$left" "state left under --root"
	expect_no_vms "$ROOT"
}

@test "libkata: the installed library is what the client loads, and it finds the installed guest image" {
	run client show_config
	expect_status 0
	expect_eq "$LIBTMP/prefix/share/kata/vmlinux" "$(jq -r .kernel <<<"$output")" "guest kernel"
	expect_eq "$LIBTMP/prefix/share/kata/initramfs.cpio" "$(jq -r .initrd <<<"$output")" "initramfs"
	run env PKG_CONFIG_PATH="$LIBTMP/prefix/lib/pkgconfig" pkg-config --variable=datadir kata
	expect_eq "$LIBTMP/prefix/share/kata" "$output" "kata.pc datadir"
	run env LD_LIBRARY_PATH="$LIBTMP/prefix/lib" ldd "$LIBTMP/bin/run_container"
	[[ "$output" == *"libkata.so.0 => $LIBTMP/prefix/lib/libkata.so.0 "* ]] || {
		echo "run_container does not load the installed libkata: [$output]" >&2
		false
	}
	[ -f "$LIBTMP/prefix/share/man/man3/libkata.3" ] || { echo "libkata.3 not installed" >&2; false; }
	run "$LIBTMP/prefix/bin/containerd-shim-kata-v2" -v
	expect_status 0
	[[ "$output" == "containerd-shim-kata-v2: "* ]] || { echo "installed shim -v: [$output]" >&2; false; }
}

@test "libkata: run_container runs uname -r in the guest and reports status 0" {
	set_args uname -r
	run --separate-stderr client run_container --root "$ROOT" "$BUNDLE" lib1
	expect_status 0
	expect_eq "$GUEST_RELEASE" "$output" "uname -r in the container"
	expect_eq "run_container: lib1 exited with status 0" "$stderr" "stderr"
	expect_nothing_left
}

@test "libkata: the workload's exit status propagates through kata_container_exit_status" {
	set_args sh -c 'echo before-exit; exit 3'
	run --separate-stderr client run_container --root "$ROOT" "$BUNDLE" lib2
	expect_status 3
	expect_eq "before-exit" "$output" "stdout"
	expect_eq "run_container: lib2 exited with status 3" "$stderr" "stderr"
	expect_nothing_left
}

@test "libkata: the exit fd waits for a long-running workload until it is killed (137)" {
	set_args sleep 600
	client run_container --root "$ROOT" "$BUNDLE" lib3 </dev/null >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! i
	for ((i = 0; i < 200; i++)); do
		[ "$("$KATA_BIN" --root "$ROOT" state lib3 2>/dev/null | jq -r .status)" = running ] && break
		sleep 0.1
	done
	# Still waiting: the exit fd is not readable while the workload runs.
	sleep 1
	kill -0 "$pid"
	"$KATA_BIN" --root "$ROOT" kill lib3 KILL
	local rc=0
	wait "$pid" || rc=$?
	expect_eq 137 "$rc" "exit status of run_container"
	expect_eq "run_container: lib3 exited with status 137" "$(cat "$BATS_TEST_TMPDIR/err")" "stderr"
	expect_nothing_left
}

@test "libkata: the events fd gets an OOM kill as a JSON line, then EOF when the container stops" {
	set_config '.linux.resources = {"memory": {"limit": 16777216}}'
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	"$KATA_BIN" --root "$ROOT" create --bundle "$BUNDLE" lib4 </dev/null
	"$KATA_BIN" --root "$ROOT" start lib4
	client watch_events --root "$ROOT" lib4 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	wait_for_line "$BATS_TEST_TMPDIR/err" 30 subscribed
	run "$KATA_BIN" --root "$ROOT" exec lib4 tail /dev/zero
	expect_status 137
	wait_for_line "$BATS_TEST_TMPDIR/out" 30 '{"type":"oom","id":"lib4"}'
	"$KATA_BIN" --root "$ROOT" kill lib4 TERM
	local rc=0
	wait "$pid" || rc=$?
	expect_eq 0 "$rc" "watch_events at EOF"
	expect_eq '{"type":"oom","id":"lib4"}' "$(cat "$BATS_TEST_TMPDIR/out")" "events"
	wait_status lib4 20 stopped
	"$KATA_BIN" --root "$ROOT" delete lib4
	expect_nothing_left
}
