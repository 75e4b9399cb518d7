#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench: how far kata is from the bare cost of booting its guest kernel, and from runc/crun.
#   bench/bench.sh [BUILD_DIR]        (after `make all bundle`; default BUILD_DIR=build)
# Prints a table and writes BUILD_DIR/bench/latest.json (headline: run_true_over_floor).
#
# Every number is measured in this run. Rows of one comparison are interleaved round by round
# (floor, kata run, create/start, runc, crun, ...), so a neighbour's load hits all of them alike;
# each row reports median, min, max and n. hyperfine is not used: it runs one command's
# repetitions back to back and cannot interleave rows.
#
# Environment: BENCH_REPS (latency rounds, 10), BENCH_DENSITY (idle containers, 50),
# BENCH_PARALLEL (containers started at once, 10), BENCH_PARALLEL_REPS (3),
# BENCH_STREAM_BYTES (268435456), BENCH_STREAM_REPS (2), BENCH_MEM_REPS (3), KATA_QEMU.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
B=$(cd "${1:-build}" && pwd)
KATA=$B/kata
OUT=$B/bench
REPS=${BENCH_REPS:-10}
DENSITY=${BENCH_DENSITY:-50}
POOL=${BENCH_POOL:-2}
PARALLEL=${BENCH_PARALLEL:-10}
PAR_REPS=${BENCH_PARALLEL_REPS:-3}
STREAM_BYTES=${BENCH_STREAM_BYTES:-268435456}
STREAM_REPS=${BENCH_STREAM_REPS:-2}
MEM_REPS=${BENCH_MEM_REPS:-3}
QEMU=${KATA_QEMU:-/usr/bin/qemu-system-x86_64}
# The default guest size is what the memory rows are about.
unset KATA_MEMORY_MIB KATA_VCPUS KATA_DEBUG KATA_CONF_FILE KATA_FACTORY_DIR

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for f in "$KATA" "$B/guest/vmlinux" "$B/guest/initramfs.cpio" "$B/bundle/config.json"; do
	[ -e "$f" ] || die "$f is missing: run \`make all bundle\` first"
done
[ "$(id -u)" = 0 ] || die "run as root (kata, runc and crun need it)"

# --- tools ------------------------------------------------------------------------------------
need_pkgs=()
for pair in runc:runc crun:crun jq:jq gcc:gcc cpio:cpio unshare:util-linux; do
	command -v "${pair%%:*}" >/dev/null || need_pkgs+=("${pair#*:}")
done
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need_pkgs+=(libc6-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	log "installing ${need_pkgs[*]} (apt-get)"
	apt-get install -y -q "${need_pkgs[@]}" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need_pkgs[@]}" >/dev/null; } ||
		die "apt-get install ${need_pkgs[*]} failed"
fi

# --- scratch space and cleanup ----------------------------------------------------------------
mkdir -p "$OUT"
# Short paths: QEMU's and kata's unix sockets live under here (108-byte sun_path).
W=$(mktemp -d /tmp/kata-bench.XXXXXX)
BG_PIDS=()
CRUN_WRAP=()

cleanup() {
	local rc=$? p root d
	set +e
	trap - EXIT INT TERM
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -d "$W/pool" ] && KATA_CONF_FILE=$W/pool.json KATA_FACTORY_DIR=$W/pool "$KATA" factory destroy >/dev/null 2>&1
	[ -d "$W/tplfactory" ] && KATA_CONF_FILE=$W/template.json KATA_FACTORY_DIR=$W/tplfactory "$KATA" factory destroy >/dev/null 2>&1
	for root in "$W"/roots/*; do
		[ -d "$root" ] || continue
		for d in "$root"/*/; do
			[ -d "$d" ] && "$KATA" --root "$root" delete --force "$(basename "$d")" >/dev/null 2>&1 &
		done
	done
	wait 2>/dev/null
	for p in $(runc --root "$W/runc" list -q 2>/dev/null); do
		runc --root "$W/runc" delete -f "$p" >/dev/null 2>&1
	done
	for p in $(crun --root "$W/crun" list -q 2>/dev/null); do
		"${CRUN_WRAP[@]}" crun --root "$W/crun" delete -f "$p" >/dev/null 2>&1
	done
	# Whatever QEMU or monitor is left that names our scratch dir (only ours can): by pid.
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$W/" && kill -9 "$p" 2>/dev/null
	done
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- samples and statistics -------------------------------------------------------------------
mkdir -p "$W/samples" "$W/fail" "$W/roots"
NOW_US=0
now_us() { local t=$EPOCHREALTIME; NOW_US=$((10#${t/./})); }
add() { echo "$2" >>"$W/samples/$1"; }         # add ROW VALUE
fail() { echo "$2" >>"$W/fail/$1"; log "$1: failed: $2"; }
us2s() { awk -v u="$1" 'BEGIN { printf "%.6f", u / 1e6 }'; }

# timed ROW CMD...: runs CMD with stdio on /dev/null, adds its wall time (seconds) to ROW.
timed() {
	local row=$1 s rc=0
	shift
	now_us; s=$NOW_US
	"$@" </dev/null >/dev/null 2>"$W/last.err" || rc=$?
	now_us
	if [ $rc -eq 0 ]; then
		add "$row" "$(us2s $((NOW_US - s)))"
	else
		fail "$row" "exit $rc: $(tail -c 300 "$W/last.err" | tr '\n' ' ')"
	fi
	return $rc
}

# --- the bundle: the same rootfs for kata, runc and crun --------------------------------------
ROOTFS=$(cd "$B/bundle/rootfs" && pwd)
mkbundle() { # mkbundle DIR ARGS_JSON
	mkdir -p "$1"
	jq --arg r "$ROOTFS" --argjson a "$2" \
		'.root.path = $r | .process.args = $a | .process.terminal = false' \
		"$B/bundle/config.json" >"$1/config.json"
}
mkbundle "$W/true" '["true"]'
mkbundle "$W/sleep" '["sleep","3600"]'
mkbundle "$W/stream" "[\"head\",\"-c\",\"$STREAM_BYTES\",\"/dev/zero\"]"
# The same stream from a writer with large blocks, and head's own speed inside the guest
# (the ceiling of the stdout row: busybox head copies a byte at a time).
mkbundle "$W/stream_dd" "[\"dd\",\"if=/dev/zero\",\"bs=1048576\",\"count=$((STREAM_BYTES >> 20))\"]"
mkbundle "$W/head_null" "[\"sh\",\"-c\",\"a=\$(cut -d' ' -f1 /proc/uptime); head -c $STREAM_BYTES /dev/zero >/dev/null; b=\$(cut -d' ' -f1 /proc/uptime); echo \$a \$b\"]"
jq -e '[.linux.namespaces[].type] | index("network")' "$W/true/config.json" >/dev/null ||
	die "the bundle has no network namespace (runc/crun would share the host's)"

# crun refuses hybrid cgroups with controllers on the v2 hierarchy; a private mount namespace
# without /sys/fs/cgroup/unified makes it see plain v1. Costs ~3 ms, reported as a note.
CRUN_NOTE="crun run directly"
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
	CRUN_WRAP=(unshare -m --propagation private sh -c 'umount -l /sys/fs/cgroup/unified && exec "$@"' crun-wrap)
	CRUN_NOTE="hybrid cgroups: run inside 'unshare -m' with /sys/fs/cgroup/unified unmounted (adds the cost of unshare+sh)"
fi

# --- helper programs and guest images (under build/bench) -------------------------------------
gcc -O2 -Wall -Wextra -o "$OUT/benchtool" "$BENCH_DIR/benchtool.c"
gcc -O2 -Wall -Wextra -static -nostdlib -fno-stack-protector -fno-pie -no-pie \
	-o "$OUT/poweroff-init" "$BENCH_DIR/poweroff-init.c"
gcc -O2 -Wall -Wextra -static -o "$OUT/stream-init" "$BENCH_DIR/stream-init.c"
mkcpio() { # mkcpio INIT OUT.cpio: INIT as /init plus /dev/console, like the agent's initramfs
	local st=$W/cpio.$$
	rm -rf "$st"
	mkdir -p "$st/dev"
	strip -o "$st/init" "$1"
	mknod -m 0600 "$st/dev/console" c 5 1
	find "$st" -exec touch -h -d @0 {} +
	(cd "$st" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio --quiet -o -H newc --reproducible -R 0:0) >"$2"
	rm -rf "$st"
}
mkcpio "$OUT/poweroff-init" "$OUT/floor.cpio"
mkcpio "$OUT/stream-init" "$OUT/stream.cpio"

# The QEMU among a monitor's children (virtiofsd is one too, with virtio-fs).
monitor_qemu() {
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[[ $(readlink "/proc/$c/exe" 2>/dev/null) == *qemu-system* ]] && { echo "$c"; return 0; }
	done
	return 1
}

# --- the runtime's exact QEMU command line ----------------------------------------------------
# Taken from a live container's QEMU (/proc/PID/cmdline), so the floor boots the same kernel
# with the same machine, accelerator, CPU, memory and kernel command line (tsc_early_khz
# included) as the runtime does: nothing is re-typed here that could drift from qemu_args.c.
log "capturing the runtime's QEMU command line"
croot=$W/roots/capture
"$KATA" --root "$croot" create --bundle "$W/sleep" cap </dev/null >/dev/null 2>"$W/cap.err" ||
	die "kata create failed: $(cat "$W/cap.err")"
mon=$("$KATA" --root "$croot" state cap | jq -r .pid)
qpid=$(monitor_qemu "$mon")
[ -n "$qpid" ] || die "no QEMU under monitor $mon"
mapfile -d '' RT_ARGV <"/proc/$qpid/cmdline"
RUN_DIR=$croot/cap
"$KATA" --root "$croot" delete --force cap >/dev/null 2>&1 || true
[ "${RT_ARGV[0]}" ] || die "could not read QEMU's command line"

FLOOR_ARGV=() DEV_ARGV=()
KCMD="" GUEST_MEM="" TSC_KHZ=""
i=0
while [ $i -lt ${#RT_ARGV[@]} ]; do
	a=${RT_ARGV[$i]}
	v=${RT_ARGV[$((i + 1))]:-}
	case $a in
	-initrd)
		FLOOR_ARGV+=(-initrd "$OUT/floor.cpio"); DEV_ARGV+=(-initrd "$OUT/floor.cpio"); i=$((i + 2)); continue ;;
	-append) KCMD=$v ;;
	-m) GUEST_MEM=$v ;;
	-chardev | -device)
		# virtio-fs needs a running virtiofsd: neither floor row has one (their share
		# would be 9p's, if any), so its socket and device go.
		if [[ $v == *id=vfs,* || $v == vhost-user-fs-device* ]]; then i=$((i + 2)); continue; fi
		;;&
	-chardev | -mon | -fsdev | -device | -serial)
		# Devices and sockets: only in the "floor+devices" row; the floor keeps the serial
		# console (to a file, as the runtime has it).
		DEV_ARGV+=("$a" "${v//$RUN_DIR/$W/fdev}")
		if [[ $a == -serial || ($a == -chardev && $v == *id=console,*) ]]; then
			FLOOR_ARGV+=("$a" "${v//$RUN_DIR/$W/floor}")
		fi
		i=$((i + 2)); continue ;;
	esac
	FLOOR_ARGV+=("$a"); DEV_ARGV+=("$a")
	i=$((i + 1))
done
[[ $KCMD =~ tsc_early_khz=([0-9]+) ]] && TSC_KHZ=${BASH_REMATCH[1]}
[ -n "$TSC_KHZ" ] || log "warning: the runtime's kernel command line has no tsc_early_khz"
mkdir -p "$W/floor" "$W/fdev/shared"

# The raw channel: the floor's command line plus one virtio-serial port whose chardev connects
# to benchtool's listening socket.
STREAM_ARGV=()
for a in "${FLOOR_ARGV[@]}"; do
	case $a in
	"$OUT/floor.cpio") STREAM_ARGV+=("$OUT/stream.cpio") ;;
	"$KCMD") STREAM_ARGV+=("$KCMD bench_bytes=$STREAM_BYTES") ;;
	*) STREAM_ARGV+=("$a") ;;
	esac
done
STREAM_ARGV+=(-device virtio-serial-device -chardev "socket,id=bench,path=$W/stream.sock"
	-device virtserialport,chardev=bench,name=bench.stream)

# --- machine info -----------------------------------------------------------------------------
other_qemus() { local n=0 p; for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = qemu-system-x86 ] && n=$((n + 1)); done; echo $n; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
QEMUS_START=$(other_qemus)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# --- VM templating (factory.enable_template): saved once, untimed, in a factory of its own ------
printf '{"factory": {"enable_template": true}}\n' >"$W/template.json"
tpl_kata() { KATA_CONF_FILE=$W/template.json KATA_FACTORY_DIR=$W/tplfactory "$KATA" "$@"; }
TEMPLATE_OK=true
log "template: saving the VM template (kata factory init)"
tpl_kata factory init >/dev/null 2>"$W/tpl.err" ||
	{ TEMPLATE_OK=false; log "template: factory init failed: $(cat "$W/tpl.err")"; }

# --- 1. latency rows, interleaved -------------------------------------------------------------
# The runtime names QEMU's files relative to the container's state directory (its cwd), so
# each floor row runs in a directory of its own.
floor() { (cd "$W/floor" && exec "${FLOOR_ARGV[@]}"); }
floor_devices() { rm -f "$W/fdev"/*.sock; (cd "$W/fdev" && exec "${DEV_ARGV[@]}"); }
kata_run() { "$KATA" --root "$W/roots/run$1" run --bundle "$W/true" "r$1"; }
kata_run_tpl() { tpl_kata --root "$W/roots/tpl$1" run --bundle "$W/true" "t$1"; }
runc_run() { runc --root "$W/runc" run --bundle "$W/true" "runc$1"; }
crun_run() { "${CRUN_WRAP[@]}" crun --root "$W/crun" run --bundle "$W/true" "crun$1"; }
create_start() { # create, start and (untimed) delete, each phase its own row
	local root=$W/roots/cs$1
	if timed kata_create "$KATA" --root "$root" create --bundle "$W/true" "c$1"; then
		timed kata_start "$KATA" --root "$root" start "c$1" || true
		# `true` has exited by now or soon: delete waits for the monitor to finish.
		timed kata_delete "$KATA" --root "$root" delete --force "c$1" || true
	fi
	rm -rf "$root"
}

ROWS=(floor floor_devices kata_run kata_run_tpl kata_create_start runc crun)
log "latency: $REPS interleaved rounds of: ${ROWS[*]}"
for ((r = 1; r <= REPS; r++)); do
	# Rotate the order each round so no row always follows the same neighbour.
	for ((k = 0; k < ${#ROWS[@]}; k++)); do
		row=${ROWS[$(((k + r) % ${#ROWS[@]}))]}
		case $row in
		floor) timed floor floor || true ;;
		floor_devices) timed floor_devices floor_devices || true ;;
		kata_run) timed kata_run_true kata_run "$r" || true; rm -rf "$W/roots/run$r" ;;
		kata_run_tpl)
			if $TEMPLATE_OK; then timed kata_run_template_true kata_run_tpl "$r" || true
			else fail kata_run_template_true "no template: $(cat "$W/tpl.err")"; fi
			rm -rf "$W/roots/tpl$r" ;;
		kata_create_start) create_start "$r" ;;
		runc) timed runc_run_true runc_run "$r" || true ;;
		crun) timed crun_run_true crun_run "$r" || true ;;
		esac
	done
	printf '.' >&2
done
echo >&2

# --- 1b. kata run true with a pool of booted VMs (factory.vm_cache_number) ---------------------
# Each round waits (untimed) until the pool is full again, so every run finds a ready VM; the
# refill that a run starts is not part of its time. Interleaved with runc for the ratio.
log "pool: $REPS rounds of kata run true with $POOL pooled VMs, and runc run"
# 9p named: pools refuse virtio-fs, whatever the default is.
printf '{"factory": {"vm_cache_number": %d}, "hypervisor": {"qemu": {"shared_fs": "virtio-9p"}}}\n' \
	"$POOL" >"$W/pool.json"
pool_kata() { KATA_CONF_FILE=$W/pool.json KATA_FACTORY_DIR=$W/pool "$KATA" "$@"; }
pool_ready() { pool_kata factory status --format json 2>/dev/null | jq -r .ready; }
pool_wait() {
	local i
	for ((i = 0; i < 600; i++)); do [ "$(pool_ready)" = "$POOL" ] && return 0; sleep 0.1; done
	return 1
}
if pool_kata factory init >/dev/null 2>"$W/last.err"; then
	for ((r = 1; r <= REPS; r++)); do
		pool_wait || { fail kata_run_pool_true "the pool did not refill: $(pool_kata factory status)"; break; }
		timed kata_run_pool_true pool_kata --root "$W/roots/pool$r" run --bundle "$W/true" "q$r" || true
		rm -rf "$W/roots/pool$r"
		timed runc_run_true_pool runc_run "pool$r" || true
	done
else
	fail kata_run_pool_true "kata factory init: $(cat "$W/last.err")"
fi
pool_kata factory destroy >/dev/null 2>&1 || true

# --- 2. exec latency on a running container ---------------------------------------------------
EXEC_REASON=""
eroot=$W/roots/exec
exec_probe=$("$KATA" exec --help </dev/null 2>&1 || true)
if [[ $exec_probe == *"unknown command"* ]]; then
	EXEC_REASON="kata exec is not implemented in this build (\`kata exec\`: unknown command)"
fi
log "exec: ${EXEC_REASON:-$REPS interleaved rounds}"
"$KATA" --root "$eroot" create --bundle "$W/sleep" e1 </dev/null >/dev/null 2>"$W/last.err" ||
	die "kata create (exec target): $(cat "$W/last.err")"
"$KATA" --root "$eroot" start e1 || die "kata start (exec target) failed"
runc --root "$W/runc" run -d --bundle "$W/sleep" rexec </dev/null >/dev/null 2>&1 ||
	fail runc_exec_true "runc run -d failed"
for ((r = 1; r <= REPS; r++)); do
	[ -n "$EXEC_REASON" ] || timed kata_exec_true "$KATA" --root "$eroot" exec e1 true || true
	# The CLI -> monitor -> agent -> monitor -> CLI round trip exec cannot beat:
	# SIGCONT to the sleeping workload through `kata kill`.
	timed kata_kill_roundtrip "$KATA" --root "$eroot" kill e1 CONT || true
	timed runc_exec_true runc --root "$W/runc" exec rexec true || true
done
runc --root "$W/runc" delete -f rexec >/dev/null 2>&1 || true

# --- 3. memory of one idle container ----------------------------------------------------------
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
tree_pids() { # PID and all its descendants
	local c
	echo "$1"
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do tree_pids "$c"; done
}
container_pss_mib() { # ROOT ID: PSS of the monitor and everything under it (QEMU, virtiofsd), MiB
	local mon p kb=0
	mon=$("$KATA" --root "$1" state "$2" 2>/dev/null | jq -r 'select(.status=="running") | .pid')
	[ -n "$mon" ] && [ -d "/proc/$mon" ] || return 1
	monitor_qemu "$mon" >/dev/null || return 1
	for p in $(tree_pids "$mon"); do kb=$((kb + $(pss_kb "$p"))); done
	awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }'
}
# The exec target has idled for a while; measure it, then fresh ones.
log "memory: PSS of QEMU + monitor (+ virtiofsd), idle sleep container, ${GUEST_MEM} guest"
for ((r = 1; r <= MEM_REPS; r++)); do
	if [ $r -gt 1 ]; then
		eroot=$W/roots/mem$r
		"$KATA" --root "$eroot" create --bundle "$W/sleep" e1 </dev/null >/dev/null 2>&1 &&
			"$KATA" --root "$eroot" start e1 || { fail idle_pss_mib "create/start failed"; continue; }
		sleep 2
	fi
	if v=$(container_pss_mib "$eroot" e1); then add idle_pss_mib "$v"; else fail idle_pss_mib "container gone"; fi
	"$KATA" --root "$eroot" delete --force e1 >/dev/null 2>&1 || true
done
# The same alone, restored from the template: its RAM pages are the template file's, counted
# in full while no other clone maps them.
$TEMPLATE_OK || fail template_idle_pss_mib "no template: $(cat "$W/tpl.err")"
for ((r = 1; r <= MEM_REPS; r++)); do
	$TEMPLATE_OK || break
	eroot=$W/roots/tmem$r
	tpl_kata --root "$eroot" create --bundle "$W/sleep" e1 </dev/null >/dev/null 2>&1 &&
		tpl_kata --root "$eroot" start e1 || { fail template_idle_pss_mib "create/start failed"; continue; }
	sleep 2
	if v=$(container_pss_mib "$eroot" e1); then add template_idle_pss_mib "$v"; else fail template_idle_pss_mib "container gone"; fi
	"$KATA" --root "$eroot" delete --force e1 >/dev/null 2>&1 || true
done

# --- 4. stdout throughput: kata run | host, against the raw virtio-serial channel -------------
log "stream: $STREAM_REPS rounds of $STREAM_BYTES bytes (kata run, raw channel)"
stream_row() { # ROW BYTES SECONDS
	if [ "$2" = "$STREAM_BYTES" ]; then
		add "$1" "$(awk -v b="$2" -v s="$3" 'BEGIN { printf "%.1f", b / s / 1e6 }')"
	else
		fail "$1" "got $2 of $STREAM_BYTES bytes"
	fi
}
for ((r = 1; r <= STREAM_REPS; r++)); do
	sroot=$W/roots/stream$r
	res=$("$KATA" --root "$sroot" run --bundle "$W/stream" "s$r" </dev/null 2>"$W/last.err" |
		"$OUT/benchtool" count) || true
	stream_row kata_stdout_mbps ${res:-0 0}
	rm -rf "$sroot"
	res=$("$KATA" --root "$sroot" run --bundle "$W/stream_dd" "s$r" </dev/null 2>"$W/last.err" |
		"$OUT/benchtool" count) || true
	stream_row kata_stdout_dd_mbps ${res:-0 0}
	rm -rf "$sroot"
	res=$("$KATA" --root "$sroot" run --bundle "$W/head_null" "s$r" </dev/null 2>"$W/last.err") || true
	if [[ $res =~ ^([0-9.]+)\ ([0-9.]+)$ ]]; then
		add guest_head_null_mbps "$(awk -v b="$STREAM_BYTES" -v s="${BASH_REMATCH[1]}" -v e="${BASH_REMATCH[2]}" 'BEGIN { printf "%.1f", b / (e - s) / 1e6 }')"
	else
		fail guest_head_null_mbps "unexpected output [$res]: $(tail -c 200 "$W/last.err")"
	fi
	rm -rf "$sroot"

	rm -f "$W/stream.sock" "$W/stream.out"
	"$OUT/benchtool" listen "$W/stream.sock" "$STREAM_BYTES" >"$W/stream.out" &
	lp=$!; BG_PIDS+=("$lp")
	for ((t = 0; t < 500; t++)); do [ -S "$W/stream.sock" ] && break; sleep 0.01; done
	# In the floor's directory: the console path in the runtime's argv is relative.
	(cd "$W/floor" && exec "${STREAM_ARGV[@]}") </dev/null >/dev/null 2>"$W/last.err" ||
		fail raw_channel_mbps "qemu: $(cat "$W/last.err")"
	wait "$lp" || true
	stream_row raw_channel_mbps $(cat "$W/stream.out" 2>/dev/null || echo 0 0)
done

# --- 5. density: N idle containers at once, booted and restored from the template ------------
density_run() { # ROW ROOT KATA_FUNCTION: starts DENSITY sleepers, adds each one's PSS to ROW
	local row=$1 droot=$2 k=$3 r v p left=0 started=0 alive=0 before after
	before=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	for ((r = 1; r <= DENSITY; r++)); do
		"$k" --root "$droot" create --bundle "$W/sleep" "d$r" </dev/null >/dev/null 2>"$W/last.err" &&
			"$k" --root "$droot" start "d$r" 2>>"$W/last.err" && started=$((started + 1)) ||
			fail "$row" "d$r: $(tail -c 200 "$W/last.err")"
	done
	sleep 5
	for ((r = 1; r <= DENSITY; r++)); do
		if v=$(container_pss_mib "$droot" "d$r"); then alive=$((alive + 1)); add "$row" "$v"; fi
	done
	after=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	for ((r = 1; r <= DENSITY; r++)); do "$KATA" --root "$droot" delete --force "d$r" >/dev/null 2>&1 & done
	wait
	# Teardown must leave nothing: no QEMU or monitor naming the density root, no state.
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$droot/" && left=$((left + 1))
	done
	left=$((left + $(ls "$droot" 2>/dev/null | wc -l)))
	[ "$left" = 0 ] || log "$row: $left processes or states left after delete --force"
	jq -n --argjson started $started --argjson alive $alive --argjson left $left \
		--argjson drop $(((before - after) / 1024)) --argjson n "$DENSITY" \
		'{requested: $n, started: $started, alive_after_5s: $alive, left_after_delete: $left,
		  mem_available_drop_mib: $drop}' >"$W/$row.density.json"
}
log "density: $DENSITY idle containers, booted"
density_run density_pss_mib "$W/roots/density" "$KATA"
if $TEMPLATE_OK; then
	log "density: $DENSITY idle containers, restored from the template"
	density_run template_density_pss_mib "$W/roots/tdensity" tpl_kata
else
	fail template_density_pss_mib "no template: $(cat "$W/tpl.err")"
	echo '{}' >"$W/template_density_pss_mib.density.json"
fi

# --- 6. parallel start ------------------------------------------------------------------------
log "parallel: $PARALLEL containers created and started at once, $PAR_REPS rounds"
par_one() { "$KATA" --root "$1" create --bundle "$W/true" "p$2" </dev/null >/dev/null 2>&1 &&
	"$KATA" --root "$1" start "p$2" >/dev/null 2>&1; }
par_all() {
	local j pids=() bad=0
	for ((j = 1; j <= PARALLEL; j++)); do par_one "$1" "$j" & pids+=($!); done
	for j in "${pids[@]}"; do wait "$j" || bad=$((bad + 1)); done
	return $bad
}
for ((r = 1; r <= PAR_REPS; r++)); do
	proot=$W/roots/par$r
	timed parallel_start par_all "$proot" || true
	for ((j = 1; j <= PARALLEL; j++)); do "$KATA" --root "$proot" delete --force "p$j" >/dev/null 2>&1 & done
	wait
done

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------------------
row_json() { # NAME UNIT NOTE
	local f=$W/samples/$1 failures=0
	[ -f "$W/fail/$1" ] && failures=$(wc -l <"$W/fail/$1")
	local fails='[]'
	[ -f "$W/fail/$1" ] && fails=$(jq -R . <"$W/fail/$1" | jq -s .)
	if [ -s "$f" ]; then
		# samples stay in measurement order (round by round), for the paired ratios
		jq -s --arg n "$1" --arg u "$2" --arg note "$3" --argjson fl "$failures" --argjson fm "$fails" '
			(sort) as $s
			| {name: $n, unit: $u, n: length,
			   median: (if length % 2 == 1 then $s[length / 2 | floor]
				    else ($s[length / 2 - 1] + $s[length / 2]) / 2 end),
			   min: $s[0], max: $s[-1], samples: ., failures: $fl, note: $note}
			| if $fl > 0 then .errors = $fm else . end' "$f"
	else
		jq -n --arg n "$1" --arg u "$2" --arg note "$3" --argjson fl "$failures" --argjson fm "$fails" \
			'{name: $n, unit: $u, n: 0, median: null, min: null, max: null, samples: [],
			  failures: $fl, note: $note} | if $fl > 0 then .errors = $fm else . end'
	fi
}
{
	row_json floor s "bare QEMU, same argv as the runtime minus devices; /init = reboot(RB_POWER_OFF)"
	row_json floor_devices s "floor plus the runtime's devices (virtio-serial port, QMP socket, 9p if 9p is the shared fs; not virtio-fs, which needs virtiofsd)"
	row_json kata_run_true s "kata run <bundle> true: create+start+wait+delete, fresh --root"
	row_json kata_run_template_true s "kata run <bundle> true restored from the VM template (factory.enable_template, saved once before the rounds)"
	row_json kata_create s "kata create (VM boot, agent, CreateSandbox, CreateContainer)"
	row_json kata_start s "kata start"
	row_json kata_delete s "kata delete --force after true exited (not in create/start)"
	row_json kata_run_pool_true s "kata run <bundle> true with $POOL VMs booted ahead (factory.vm_cache_number), pool refilled between rounds (untimed)"
	row_json runc_run_true s "runc run <bundle> true"
	row_json runc_run_true_pool s "runc run <bundle> true, interleaved with the pool rows"
	row_json crun_run_true s "$CRUN_NOTE"
	row_json kata_exec_true s "${EXEC_REASON:-kata exec ID true on a running container}"
	row_json kata_kill_roundtrip s "kata kill ID CONT: CLI -> monitor -> agent round trip (exec's floor)"
	row_json runc_exec_true s "runc exec ID true (reference)"
	row_json kata_stdout_mbps MB/s "kata run head -c $STREAM_BYTES /dev/zero into the host, first to last byte"
	row_json kata_stdout_dd_mbps MB/s "kata run dd if=/dev/zero bs=1M ($STREAM_BYTES bytes) into the host: the same path with a writer of large blocks"
	row_json guest_head_null_mbps MB/s "head -c $STREAM_BYTES /dev/zero >/dev/null inside the guest (timed by /proc/uptime): the workload's own speed, the ceiling of kata_stdout_mbps"
	row_json raw_channel_mbps MB/s "bare QEMU guest writing $STREAM_BYTES bytes to a virtio-serial port"
	row_json idle_pss_mib MiB "PSS of QEMU + monitor + virtiofsd if any, one idle container (sleep), guest -m $GUEST_MEM"
	row_json density_pss_mib MiB "PSS of QEMU + monitor + virtiofsd if any for each of $DENSITY idle containers running together"
	row_json template_idle_pss_mib MiB "PSS of QEMU + monitor, one idle container restored from the VM template, alone"
	row_json template_density_pss_mib MiB "PSS of QEMU + monitor for each of $DENSITY idle containers restored from the VM template, running together"
	row_json parallel_start s "$PARALLEL x (kata create + kata start) launched at once, wall time"
} | jq -s . >"$W/rows.json"

COMMIT=$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)
DIRTY=false
[ -n "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] && DIRTY=true
jq -n \
	--slurpfile rows "$W/rows.json" \
	--arg date "$DATE" --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	--argjson nproc "$(nproc)" --arg kernel "$(uname -r)" --arg commit "$COMMIT" --argjson dirty $DIRTY \
	--arg qemu "$("$QEMU" --version | head -1)" \
	--arg guest "$(cat "$B/guest/kernel-release" 2>/dev/null || echo unknown)" \
	--arg shared_fs "$("$KATA" env 2>/dev/null | jq -r .shared_fs)" \
	--arg accel "$("$KATA" env 2>/dev/null | jq -r .accelerator)" \
	--arg load_start "$LOAD_START" --arg load_end "$LOAD_END" --argjson qemus "$QEMUS_START" \
	--argjson reps "$REPS" \
	--slurpfile density "$W/density_pss_mib.density.json" \
	--slurpfile tdensity "$W/template_density_pss_mib.density.json" \
	--arg kcmd "$KCMD" --arg mem "$GUEST_MEM" --arg tsc "$TSC_KHZ" \
	--argjson floor_argv "$(printf '%s\0' "${FLOOR_ARGV[@]}" | jq -Rs 'split("\u0000")[:-1]')" \
	--argjson parallel "$PARALLEL" --arg exec_reason "$EXEC_REASON" '
	($rows[0] | map({key: .name, value: .}) | from_entries) as $r
	| def ratio(a; b): if ($r[a].median != null and $r[b].median != null and $r[b].median > 0)
		then (($r[a].median / $r[b].median) * 1000 | round / 1000) else null end;
	# The median of per-round ratios: the two rows of a round ran seconds apart, so slow
	# swings of the neighbours load cancel out. Only when no round failed.
	def paired(a; b): if ($r[a].n > 0 and $r[a].n == $r[b].n and $r[a].failures == 0
			      and $r[b].failures == 0)
		then ([range($r[a].n)] | map($r[a].samples[.] / $r[b].samples[.]) | sort
		      | (if length % 2 == 1 then .[length / 2 | floor]
			 else (.[length / 2 - 1] + .[length / 2]) / 2 end) * 1000 | round / 1000)
		else null end;
	{
	  run_true_over_floor: ratio("kata_run_true"; "floor"),
	  ratios: {
	    run_true_over_floor: ratio("kata_run_true"; "floor"),
	    run_true_over_floor_paired: paired("kata_run_true"; "floor"),
	    run_true_over_floor_min: (if $r.floor.min != null and $r.kata_run_true.min != null
		then ($r.kata_run_true.min / $r.floor.min * 1000 | round / 1000) else null end),
	    run_true_over_floor_devices: ratio("kata_run_true"; "floor_devices"),
	    run_true_template_over_floor: ratio("kata_run_template_true"; "floor"),
	    run_true_template_over_floor_paired: paired("kata_run_template_true"; "floor"),
	    create_over_floor: ratio("kata_create"; "floor"),
	    run_true_over_runc: ratio("kata_run_true"; "runc_run_true"),
	    pool_run_true_over_runc: ratio("kata_run_pool_true"; "runc_run_true_pool"),
	    pool_run_true_over_runc_paired: paired("kata_run_pool_true"; "runc_run_true_pool"),
	    exec_over_roundtrip: ratio("kata_exec_true"; "kata_kill_roundtrip"),
	    exec_over_roundtrip_paired: paired("kata_exec_true"; "kata_kill_roundtrip"),
	    stdout_over_raw_channel: ratio("kata_stdout_mbps"; "raw_channel_mbps"),
	    stdout_over_guest_head: ratio("kata_stdout_mbps"; "guest_head_null_mbps")
	  },
	  exec: {available: ($exec_reason == ""), reason: (if $exec_reason == "" then null else $exec_reason end)},
	  density: $density[0],
	  template_density: $tdensity[0],
	  rows: $rows[0],
	  machine: {date: $date, cpu: $cpu, nproc: $nproc, kernel: $kernel, qemu: $qemu,
		    accel: $accel, shared_fs: $shared_fs, guest_kernel: $guest, git_commit: $commit, git_dirty: $dirty,
		    loadavg_start: $load_start, loadavg_end: $load_end,
		    other_qemu_processes_at_start: $qemus},
	  config: {reps: $reps, parallel: $parallel, guest_memory: $mem, tsc_early_khz: $tsc,
		   kernel_cmdline: $kcmd, floor_argv: $floor_argv}
	}' >"$OUT/latest.json"

# --- table ------------------------------------------------------------------------------------
jq -r '
	def f: if . == null then "-" elif . < 10 then (. * 1000 | round / 1000 | tostring) else (. * 10 | round / 10 | tostring) end;
	(["row", "median", "min", "max", "n", "unit"] | @tsv),
	(.rows[] | [.name, (.median | f), (.min | f), (.max | f),
		     ((.n | tostring) + (if .failures > 0 then " (" + (.failures | tostring) + " failed)" else "" end)),
		     .unit] | @tsv),
	"",
	(.ratios | to_entries[] | [.key, (.value | f)] | @tsv)
' "$OUT/latest.json" | if command -v column >/dev/null; then column -t -s $'\t'; else cat; fi
jq -r '
	(.density | "density (booted): \(.alive_after_5s)/\(.requested) alive after 5 s, MemAvailable dropped \(.mem_available_drop_mib) MiB, \(.left_after_delete) left after delete"),
	(.template_density | if .requested then "density (template): \(.alive_after_5s)/\(.requested) alive after 5 s, MemAvailable dropped \(.mem_available_drop_mib) MiB, \(.left_after_delete) left after delete" else "density (template): not measured" end),
	(.machine | "machine: \(.cpu), \(.nproc) cpus, \(.kernel), \(.accel), load \(.loadavg_start) -> \(.loadavg_end), \(.other_qemu_processes_at_start) other QEMUs at start, commit \(.git_commit[:12])\(if .git_dirty then "+dirty" else "" end)")
' "$OUT/latest.json"
[ -n "$EXEC_REASON" ] && echo "kata_exec_true: null: $EXEC_REASON"
echo "wrote $OUT/latest.json"
