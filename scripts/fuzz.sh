#!/usr/bin/env bash
# Builds kata's libFuzzer targets (tests/fuzz/fuzz_*.c) with clang into build/fuzz/ and runs each
# for SECONDS (default 60). Objects are compiled from the sources directly, instrumented
# (-fsanitize=fuzzer-no-link,address,undefined), so `make` builds are untouched.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 300 fuzz_qmp_reply
#
# Seeds come from tests/fuzz/corpus/<target>/ (committed); what the fuzzer learns goes to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/. Exits non-zero on a crash.
set -euo pipefail

SECONDS_PER_TARGET=${1:-60}
shift || true
cd "$(dirname "$0")/.."
B=${FUZZ_BUILD:-build/fuzz}
CC=${FUZZ_CC:-clang}
JOBS=$(nproc)

PKGS="yajl libprotobuf-c mount libseccomp libcap"
# The escaped quotes are meant: they make KATA_VERSION a C string literal.
# shellcheck disable=SC2089,SC2090
CFLAGS="-std=gnu11 -O1 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Ulinux
	-DKATA_VERSION=\"fuzz\" -DKATA_COMMIT=\"fuzz\"
	-Wall -Wextra -Werror -Wno-unused-parameter
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
	$(pkg-config --cflags $PKGS)"
INC="-Ilibkata/include -Icommon -I$B/gen/protos -Ilibkata -Ihypervisor -Ivsock -Iagent -Itests/fuzz"
LIBS="$(pkg-config --libs $PKGS)"

# Two invocations (one per core) must not compile the same objects at once: the build phase
# holds a lock, released before the runs.
mkdir -p "$B"
exec 9>"$B/.build.lock"
flock 9

# --- generated protobuf code (its own copy, so this never races a concurrent make) ----------
mkdir -p "$B/gen/protos"
for p in google/protobuf/empty ttrpc health oci types agent; do
	if [ ! -e "$B/gen/protos/$p.pb-c.c" ] || [ "protos/$p.proto" -nt "$B/gen/protos/$p.pb-c.c" ]; then
		protoc-c -Iprotos --c_out="$B/gen/protos" "protos/$p.proto"
	fi
done

# --- instrumented objects: host library, shared code, and the agent's frame reader ----------
SRCS=$(ls common/*.c libkata/*.c hypervisor/*.c vsock/*.c agent/frame_reader.c \
	$(find "$B/gen/protos" -name '*.pb-c.c'))
newest_header=$(find common libkata hypervisor vsock agent "$B/gen/protos" -name '*.h' \
	-printf '%T@\n' | sort -n | tail -1)
OBJS=()
todo=()
for src in $SRCS; do
	obj="$B/obj/${src#"$B/"}"
	obj="${obj%.c}.o"
	OBJS+=("$obj")
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] ||
		[ "$(stat -c %Y "$obj")" -lt "${newest_header%.*}" ]; then
		todo+=("$src:$obj")
	fi
done
compile() {
	local src=${1%%:*} obj=${1#*:} extra=
	mkdir -p "$(dirname "$obj")"
	# protoc-c's output is not ours to keep warning-free.
	[[ $src == *.pb-c.c ]] && extra=-Wno-error
	# shellcheck disable=SC2086
	$CC $CFLAGS $extra $INC -c -o "$obj" "$src"
}
export -f compile
export CC CFLAGS INC
if [ ${#todo[@]} -gt 0 ]; then
	echo "fuzz: compiling ${#todo[@]} objects"
	printf '%s\n' "${todo[@]}" | xargs -P "$JOBS" -I{} bash -c 'compile "$@"' _ {}
fi
if [ ${#todo[@]} -gt 0 ] || [ ! -e "$B/libkata-fuzz.a" ]; then
	rm -f "$B/libkata-fuzz.a"
	ar rcs "$B/libkata-fuzz.a" "${OBJS[@]}"
fi

# --- targets --------------------------------------------------------------------------------
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=($(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//'))
for t in "${TARGETS[@]}"; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -fsanitize=fuzzer $INC -o "$B/$t" "tests/fuzz/$t.c" "$B/libkata-fuzz.a" $LIBS
done
exec 9>&-
[ "$SECONDS_PER_TARGET" -gt 0 ] || exit 0

# --- runs -----------------------------------------------------------------------------------
mkdir -p "$B/artifacts"
failed=0
for t in "${TARGETS[@]}"; do
	mkdir -p "$B/corpus/$t"
	log="$B/$t.log"
	echo "fuzz: $t for ${SECONDS_PER_TARGET}s (log $log)"
	set +e
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$B/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" \
		"$B/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	echo "fuzz: $t: rc=$rc executions=${execs:-?} exec/s=${secs:-?}"
	if [ $rc -ne 0 ]; then
		failed=1
		grep -m5 -E 'ERROR|SUMMARY|Test unit written' "$log" || true
	fi
done
exit $failed
