#!/usr/bin/env bash
# Builds the guest initramfs: the static kata-agent as /init plus the few directories and device
# nodes the kernel and the agent need before devtmpfs is mounted. The archive is an uncompressed
# newc cpio with fixed owners and mtimes, so building twice gives identical bytes.
set -euo pipefail

usage() { echo "usage: build-initramfs.sh AGENT_BINARY OUTPUT.cpio" >&2; exit 2; }
[ $# -eq 2 ] || usage
agent=$1
out=$2
[ -x "$agent" ] || { echo "build-initramfs: $agent is not an executable" >&2; exit 1; }
command -v cpio >/dev/null || { echo "build-initramfs: cpio is not installed" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/kata-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"

mkdir -m 0755 "$stage"/dev "$stage"/proc "$stage"/sys "$stage"/run "$stage"/tmp
chmod 1777 "$stage"/tmp
# Debug info is not needed in the guest; stripping keeps the image small.
if command -v strip >/dev/null; then
	strip -o "$stage/init" "$agent"
else
	cp "$agent" "$stage/init"
fi
chmod 0755 "$stage/init"
# The kernel opens /dev/console for init's stdio before anything is mounted.
mknod -m 0600 "$stage/dev/console" c 5 1
mknod -m 0666 "$stage/dev/null" c 1 3

find "$stage" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
tmp_out=$(cd "$(dirname "$out")" && pwd)/.$(basename "$out").tmp.$$
(cd "$stage" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio --quiet -o -H newc --reproducible -R 0:0 >"$tmp_out") ||
	{ rm -f "$tmp_out"; exit 1; }
mv "$tmp_out" "$out"
echo "build-initramfs: $out ($(stat -c %s "$out") bytes)"
