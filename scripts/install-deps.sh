#!/usr/bin/env bash
# Installs what kata needs to build and test, from Debian's apt only. Cheap when all is present.
set -euo pipefail

pkgs=(
	build-essential pkg-config clang-format
	libyajl-dev libseccomp-dev libcap-dev libmount-dev libselinux1-dev
	libprotobuf-c-dev protobuf-c-compiler libcmocka-dev bats
	qemu-system-x86 busybox-static cpio
	linux-source-6.1 flex bison bc libelf-dev libssl-dev xz-utils patch
	iproute2 procps util-linux psmisc jq tmux python3
	podman conmon netavark crun containerd iptables docker.io
)
pkgs+=(${KATA_EXTRA_PKGS:-})

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
