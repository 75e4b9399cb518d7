#!/usr/bin/env bash
# Builds the guest kernel (PVH-bootable vmlinux) from Debian's linux-source-6.1, the committed
# fragment and the patches in guest/patches (applied in name order). The result is cached by
# the hash of its inputs so rebuilds are free.
set -euo pipefail

out=${1:?usage: build-kernel.sh OUTDIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/kernel.fragment
src_tar=/usr/src/linux-source-6.1.tar.xz
cache_root=${KATA_BUILD_CACHE:-/var/cache/kata-build}

[ -r "$src_tar" ] || { echo "build-kernel: $src_tar missing (apt-get install linux-source-6.1)" >&2; exit 1; }

patches=("$here"/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
key=$( { cat "$fragment" "$here/build-kernel.sh" ${patches[@]+"${patches[@]}"}; dpkg-query -W -f='${Version}' linux-source-6.1; } | sha256sum | cut -c1-16)
cache=$cache_root/kernel-$key
mkdir -p "$out"

if [ -s "$cache/vmlinux" ] && [ -s "$cache/release" ]; then
	cp "$cache/vmlinux" "$out/vmlinux.tmp" && mv "$out/vmlinux.tmp" "$out/vmlinux"
	cp "$cache/release" "$out/kernel-release"
	echo "build-kernel: using cached kernel $cache"
	exit 0
fi

work=$out/linux-build
rm -rf "$work" && mkdir -p "$work"
echo "build-kernel: unpacking $src_tar"
tar -C "$work" --strip-components=1 -xJf "$src_tar"

cd "$work"
for p in ${patches[@]+"${patches[@]}"}; do
	echo "build-kernel: applying $(basename "$p")"
	patch -s -p1 --forward <"$p"
done
KCONFIG_ALLCONFIG=$fragment make -s allnoconfig
# Every option the fragment asks for must have survived dependency resolution.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=y) grep -qx "$line" .config || { echo "build-kernel: $line did not stick" >&2; missing=1; } ;; esac
done <"$fragment"
[ "$missing" = 0 ] || exit 1

echo "build-kernel: compiling vmlinux with $(nproc) jobs"
make -s -j"$(nproc)" vmlinux
make -s kernelrelease >"$out/kernel-release"
cp vmlinux "$out/vmlinux.tmp" && mv "$out/vmlinux.tmp" "$out/vmlinux"

if mkdir -p "$cache" 2>/dev/null; then
	cp "$out/vmlinux" "$cache/vmlinux.tmp" && mv "$cache/vmlinux.tmp" "$cache/vmlinux"
	cp "$out/kernel-release" "$cache/release"
fi
rm -rf "$work"
echo "build-kernel: $(cat "$out/kernel-release") ready"
