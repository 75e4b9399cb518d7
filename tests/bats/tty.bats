#!/usr/bin/env bats
# process.terminal: the workload gets a pty in the guest; the host side travels over
# --console-socket the way runc hands it to conmon and containerd.

load helpers

setup() { setup_kata; }
teardown() {
	[ -n "${RECV_PID:-}" ] && kill "$RECV_PID" 2>/dev/null || true
	teardown_kata
}

@test "tty: --console-socket receives a pty; the workload sees a terminal of the spec's size" {
	set_config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
	set_args sh -c 'test -t 0 && echo stdin-is-a-tty; tty; stty size'
	local sock=$BATS_TEST_TMPDIR/console.sock
	"$KATA_BUILD/tests/recvtty" "$sock" </dev/null >"$BATS_TEST_TMPDIR/tty.out" &
	RECV_PID=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	kata create --console-socket "$sock" --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	wait_status c1 20 stopped
	wait "$RECV_PID" || true
	RECV_PID=
	local out
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	[[ "$out" == *stdin-is-a-tty* ]] || { echo "no tty on stdin: [$out]" >&2; false; }
	[[ "$out" == */dev/pts/* ]] || { echo "tty: [$out]" >&2; false; }
	[[ "$out" == *"30 100"* ]] || { echo "stty size: [$out]" >&2; false; }
	kata delete c1
}

@test "tty: console socket that does not exist fails create cleanly" {
	set_config '.process.terminal = true'
	run kata create --console-socket "$BATS_TEST_TMPDIR/nope.sock" --bundle "$BUNDLE" c1
	expect_failure_clean 'console socket'
}
