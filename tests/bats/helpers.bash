# Shared helpers for kata's bats tests. Every test gets its own --root and bundle, and
# teardown checks that nothing (VM, monitor, mount, state) was left behind.

KATA_BUILD=${KATA_BUILD:-$(cd "$BATS_TEST_DIRNAME/../../build" && pwd)}
KATA_BIN=$KATA_BUILD/kata
GUEST_RELEASE=$(cat "$KATA_BUILD/guest/kernel-release")

setup_kata() {
	ROOT=$(mktemp -d /run/kata-bats.XXXXXX)
	BUNDLE=$(mktemp -d /tmp/kata-bundle.XXXXXX)
	jq --arg root "$KATA_BUILD/bundle/rootfs" '.root.path = $root' \
		"$KATA_BUILD/bundle/config.json" >"$BUNDLE/config.json"
}

teardown_kata() {
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do
		[ -d "$ROOT/$id" ] && "$KATA_BIN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	local leftover
	leftover=$(pgrep -af -- "$ROOT( |/|$)" || true)
	if [ -n "$leftover" ]; then
		pkill -9 -f -- "$ROOT( |/|$)" || true
		rm -rf "$ROOT" "$BUNDLE"
		echo "processes left behind: $leftover" >&3
		return 1
	fi
	rm -rf "$ROOT" "$BUNDLE"
}

# kata with this test's root.
kata() {
	"$KATA_BIN" --root "$ROOT" "$@"
}

# Sets process.args of the test bundle: set_args sh -c 'echo hi'
set_args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$json" '.process.args = $a' "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# Applies a jq filter to the test bundle's config.json: set_config '.hostname = "x"'
set_config() {
	jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# expect_eq EXPECTED ACTUAL [WHAT]: fails printing both when they differ.
expect_eq() {
	if [ "$1" != "$2" ]; then
		echo "${3:-value}: expected [$1], got [$2]" >&2
		return 1
	fi
}

# expect_status N: the last `run` exited with N.
expect_status() {
	if [ "$status" -ne "$1" ]; then
		echo "exit status: expected $1, got $status; output: [$output]" >&2
		return 1
	fi
}

# expect_failure_clean PATTERN: the last `run` failed with a one-line error matching
# PATTERN, and the root holds no container.
expect_failure_clean() {
	if [ "$status" -eq 0 ]; then
		echo "expected failure, got success; output: [$output]" >&2
		return 1
	fi
	local lines
	lines=$(printf '%s\n' "$output" | grep -c . || true)
	if [ "$lines" -ne 1 ]; then
		echo "expected a one-line error, got $lines lines: [$output]" >&2
		return 1
	fi
	if ! [[ "$output" =~ $1 ]]; then
		echo "error: expected to match [$1], got [$output]" >&2
		return 1
	fi
	expect_root_empty
}

expect_root_empty() {
	local left
	left=$(ls -A "$ROOT" 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "expected no container state under $ROOT, found: [$left]" >&2
		return 1
	fi
	if grep -q -- "$ROOT/" /proc/self/mountinfo; then
		echo "mounts left under $ROOT: $(grep -- "$ROOT/" /proc/self/mountinfo)" >&2
		return 1
	fi
}

# The status field of `kata state ID`.
state_status() {
	kata state "$1" | jq -r .status
}

# Waits up to $2 seconds (default 20) for container $1 to reach status $3 (default stopped).
wait_status() {
	local i want=${3:-stopped}
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		[ "$(state_status "$1")" = "$want" ] && return 0
		sleep 0.1
	done
	echo "container $1: expected status $want, got $(state_status "$1")" >&2
	return 1
}

# True when pid has exited (a zombie waiting for its reaper counts as exited).
process_gone() {
	[ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

# Waits up to $2 seconds (default 20) for file $1 to contain a line equal to $3.
wait_for_line() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		grep -qx -- "$3" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "expected a line [$3] in $1, got: [$(cat "$1" 2>/dev/null)]" >&2
	return 1
}

# --- spec areas seen from inside the container (issue 3: process, mounts, security, resources,
# devices) ---------------------------------------------------------------------------------------

# add_mount JSON: appends one mount object to the bundle's mounts.
add_mount() {
	set_config --argjson m "$1" '.mounts += [$m]'
}

# The cgroup2 filesystem at /sys/fs/cgroup in the container, read-only as runc's default spec.
add_cgroup_mount() {
	add_mount '{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}'
}

# run_in_container CMD...: `kata run` of `sh -c CMD` with this test's bundle; sets $status,
# $output and $lines like bats' run (stderr merged).
run_in_container() {
	set_args sh -c "$1"
	run kata run --bundle "$BUNDLE" "${2:-c1}"
}

# expect_line LINE: the last `run` printed exactly this line.
expect_line() {
	if ! printf '%s\n' "$output" | grep -qxF -- "$1"; then
		echo "expected a line [$1] in the output, got: [$output]" >&2
		return 1
	fi
}

# expect_output_contains TEXT: the last `run` printed TEXT somewhere.
expect_output_contains() {
	if [[ "$output" != *"$1"* ]]; then
		echo "expected output containing [$1], got: [$output]" >&2
		return 1
	fi
}

# --- runc's command line (issue 4: exec, ps, list, pause, update, events, ...) ----------------

# start_sleeper ID: creates and starts container ID whose workload waits (TERM ends it).
start_sleeper() {
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata create --bundle "$BUNDLE" "$1" </dev/null
	kata start "$1"
}

# exec_detached_status PIDFILE KATA-ARGS...: runs kata (this test's root) with KATA-ARGS, which
# must include `exec --detach --pid-file PIDFILE`, under a child subreaper (as conmon and
# containerd's shim are), then waits for the stand-in in PIDFILE and prints its exit status.
# With SIGNAL_STANDIN=SIG set, sends SIG to the stand-in first.
exec_detached_status() {
	local pidfile=$1
	shift
	python3 - "$pidfile" "$KATA_BIN" --root "$ROOT" "$@" <<'PY'
import ctypes, os, signal, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL)
if rc != 0:
    print("kata exited %d" % rc)
    sys.exit(1)
pid = int(open(sys.argv[1]).read())
sig = os.environ.get("SIGNAL_STANDIN")
if sig:
    time.sleep(0.5)
    os.kill(pid, getattr(signal, sig))
_, st = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(st) if os.WIFEXITED(st) else "killed by %d" % os.WTERMSIG(st))
PY
}

# start_recvtty SOCKET OUT: a console-socket receiver in the background ($RECV_PID).
start_recvtty() {
	"$KATA_BUILD/tests/recvtty" "$1" </dev/null >"$2" &
	RECV_PID=$!
	local i
	for i in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	echo "recvtty did not listen on $1" >&2
	return 1
}
