#!/usr/bin/env bash
# Soak test (not part of `make check`): N cycles of `kata run true`, every 10th also a
# create/start/kill/delete lifecycle, all from this one long-running bash process. Then checks
# that nothing leaked: mount entries, QEMU or monitor processes, files under the --root, and
# open fds of this shell (a client that runs kata over and over). Last, N/10 lifecycles from
# one long-running libkata client (tests/tools/soak_client.c) that checks its own fds.
#
#   scripts/soak.sh [N]        (default 1000; KATA_BUILD=DIR to test another build)
set -uo pipefail

N=${1:-1000}
cd "$(dirname "$0")/.."
KATA_BUILD=${KATA_BUILD:-$PWD/build}
KATA=$KATA_BUILD/kata
ROOT=$(mktemp -d /run/kata-soak.XXXXXX)
BUNDLE=$(mktemp -d /tmp/kata-soak-bundle.XXXXXX)
SLEEPER=$(mktemp -d /tmp/kata-soak-sleeper.XXXXXX)
trap 'rm -rf "$BUNDLE" "$SLEEPER"' EXIT

jq --arg r "$KATA_BUILD/bundle/rootfs" '.root.path = $r | .process.args = ["true"]' \
	"$KATA_BUILD/bundle/config.json" >"$BUNDLE/config.json"
jq --arg r "$KATA_BUILD/bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "600"]' \
	"$KATA_BUILD/bundle/config.json" >"$SLEEPER/config.json"

kata() { "$KATA" --root "$ROOT" "$@"; }
# Mount entries kata could leave on the host: anything naming the root, the bundles or the build.
# (Counting every entry flagged other programs' mounts on a shared machine as leaks.)
mounts() { grep -cF -e "$ROOT" -e "$BUNDLE" -e "$SLEEPER" -e "$KATA_BUILD" /proc/self/mountinfo; }
# Our own fds, not counting the one ls itself opens on /proc/$$/fd.
fds() { ls /proc/$$/fd | wc -l; }
# QEMU and monitors of this root: both carry the root path in their command line.
ours() { pgrep -f -- "$ROOT(/| |$)" || true; }

mounts_before=$(mounts)
fds_before=$(fds)
failures=0
lifecycles=0
start=$(date +%s.%N)
for ((i = 1; i <= N; i++)); do
	if ! out=$(kata run --bundle "$BUNDLE" "s$i" </dev/null 2>&1); then
		echo "soak: cycle $i: kata run failed: $out" >&2
		failures=$((failures + 1))
		kata delete --force "s$i" >/dev/null 2>&1
	fi
	if ((i % 10 == 0)); then
		lifecycles=$((lifecycles + 1))
		if ! out=$({ kata create --bundle "$SLEEPER" "l$i" &&
			kata start "l$i" && kata kill "l$i" KILL &&
			for _ in $(seq 100); do
				[ "$(kata state "l$i" | jq -r .status)" = stopped ] && break
				sleep 0.1
			done && kata delete "l$i"; } </dev/null 2>&1); then
			echo "soak: cycle $i: lifecycle failed: $out" >&2
			failures=$((failures + 1))
			kata delete --force "l$i" >/dev/null 2>&1
		fi
	fi
	((i % 50 == 0)) && echo "soak: $i/$N cycles, $(($(mounts) - mounts_before)) extra mounts," \
		"$(($(fds) - fds_before)) extra fds"
done
secs=$(echo "$(date +%s.%N) - $start" | bc)

# The library in one process: its fds must not grow (its RSS is reported).
client_n=$((N / 10 > 0 ? N / 10 : 1))
if ! client=$(KATA_KERNEL=$KATA_BUILD/guest/vmlinux KATA_INITRD=$KATA_BUILD/guest/initramfs.cpio \
	"$KATA_BUILD/tests/soak_client" "$ROOT" "$BUNDLE" "$client_n" </dev/null 2>&1); then
	echo "soak: the libkata client failed or leaked fds: $client" >&2
	failures=$((failures + 1))
fi
echo "$client" | tail -1

# Monitors exit asynchronously after delete: give stragglers a moment before calling it a leak.
for _ in $(seq 50); do [ -z "$(ours)" ] && break; sleep 0.1; done
leaks=0
extra_mounts=$(($(mounts) - mounts_before))
extra_fds=$(($(fds) - fds_before))
procs=$(ours)
files=$(find "$ROOT" -mindepth 1 2>/dev/null | head -20)
if [ "$extra_mounts" -ne 0 ]; then
	echo "soak: LEAK: $extra_mounts extra mount entries:" >&2
	grep -F -e "$ROOT" -e "$BUNDLE" -e "$SLEEPER" -e "$KATA_BUILD" /proc/self/mountinfo >&2
	leaks=$((leaks + 1))
fi
if [ -n "$procs" ]; then
	echo "soak: LEAK: processes left:" >&2
	ps -o pid,args -p "$(echo $procs | tr ' ' ,)" >&2
	kill -9 $procs 2>/dev/null
	leaks=$((leaks + 1))
fi
if [ -n "$files" ]; then
	echo "soak: LEAK: files left under $ROOT:" >&2
	echo "$files" >&2
	leaks=$((leaks + 1))
fi
if [ "$extra_fds" -ne 0 ]; then
	echo "soak: LEAK: $extra_fds extra fds in the client shell:" >&2
	ls -l /proc/$$/fd >&2
	leaks=$((leaks + 1))
fi
printf 'soak: %d cycles (%d run, %d create/start/kill/delete) in %.1f s (%.2f s/cycle); %d failures; %d leaks; mounts %+d, fds %+d\n' \
	"$N" "$N" "$lifecycles" "$secs" "$(echo "$secs / $N" | bc -l)" "$failures" "$leaks" \
	"$extra_mounts" "$extra_fds"
[ -z "$files" ] && rm -rf "$ROOT"
[ "$failures" -eq 0 ] && [ "$leaks" -eq 0 ]
