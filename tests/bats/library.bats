#!/usr/bin/env bats
# libkata as a library: its exported symbols are exactly kata.h's functions, every symbol it
# uses resolves, the header stands alone in C and C++, and its man page covers the API.

load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HEADER=$REPO/libkata/include/kata.h

# The functions kata.h declares public, one per line, sorted.
declared_functions() {
	grep -o 'KATA_PUBLIC[^(]*(' "$HEADER" | grep -o 'kata_[A-Za-z0-9_]*($' | tr -d '(' | sort
}

@test "library: libkata.so exports exactly the functions kata.h declares, versioned KATA_0" {
	local declared exported
	declared=$(declared_functions)
	[ "$(printf '%s\n' "$declared" | grep -c .)" -ge 30 ] || {
		echo "too few declarations parsed from kata.h: [$declared]" >&2
		false
	}
	# The version node KATA_0 itself is listed as an absolute symbol; everything else counts.
	exported=$(nm -D --defined-only "$KATA_BUILD/libkata.so" | awk '$2 != "A" { print $3 }' | sort)
	expect_eq "$declared" "$(printf '%s\n' "$exported" | sed 's/@.*//')" "exported symbols"
	local unversioned
	unversioned=$(printf '%s\n' "$exported" | grep -v '@@KATA_0$' || true)
	expect_eq "" "$unversioned" "symbols outside the KATA_0 version node"
}

@test "library: every symbol libkata.so uses resolves from the libraries it links" {
	run ldd -r "$KATA_BUILD/libkata.so"
	expect_status 0
	if [[ "$output" == *"undefined symbol"* || "$output" == *"not found"* ]]; then
		echo "unresolved: [$output]" >&2
		false
	fi
	# dladdr (finding the guest image beside the library) lives in libc since glibc 2.34,
	# in libdl before: one of them must provide it.
	local dl
	dl=$(nm -D --undefined-only "$KATA_BUILD/libkata.so" | grep -w dladdr)
	[[ "$dl" == *GLIBC_2.34* ]] || ldd "$KATA_BUILD/libkata.so" | grep -q libdl.so
}

@test "library: kata.h compiles alone as strict C99 and C11" {
	local std
	for std in c99 c11 gnu11; do
		run gcc -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c - <<<'#include "kata.h"
int main(void) { struct kata_error e = {0}; return e.status; }' -I"$(dirname "$HEADER")"
		expect_status 0
	done
}

@test "library: kata.h compiles alone as C++" {
	command -v g++ >/dev/null || skip "g++ is not installed"
	local std
	for std in c++11 c++17; do
		run g++ -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ - <<<'#include "kata.h"
int main() { kata_context ctx = kata_context(); int fd; return kata_container_exit_fd(&ctx, "x", &fd, nullptr); }' -I"$(dirname "$HEADER")"
		expect_status 0
	done
}

@test "library: every public function has a contract comment just above it in kata.h" {
	# A declaration starts a group; the group must follow a comment or another declaration
	# of the same group, never bare code.
	run awk '
		/^KATA_PUBLIC/ { if (prev !~ /\*\/$/ && prev !~ /\);$/) { print FILENAME ":" NR ": " $0; bad = 1 } }
		NF { prev = $0 }
		END { exit bad }' "$HEADER"
	expect_status 0
}

@test "library: man 3 libkata renders cleanly and names every public function" {
	local page=$REPO/man/libkata.3
	[ -f "$page" ]
	run sh -c "MANWIDTH=100 man --warnings -E UTF-8 -l '$page' 2>&1 >/dev/null"
	expect_eq "" "$output" "man warnings"
	local f missing=""
	for f in $(declared_functions); do
		grep -q "$f" "$page" || missing="$missing $f"
	done
	expect_eq "" "$missing" "functions missing from man/libkata.3"
}
