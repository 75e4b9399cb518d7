# Helpers for client integration tests (podman, containerd, docker): each test file runs its
# client with private state under a temporary directory and removes it afterwards.

# The shared assertions (expect_eq, expect_status, ...) and KATA_BUILD/KATA_BIN/GUEST_RELEASE.
source "$BATS_TEST_DIRNAME/../bats/helpers.bash"

# Installs Debian packages the client needs when they are missing.
need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A busybox image tarball made from the bundled rootfs (no registry needed).
busybox_tarball() {
	local out=$1 tmp
	tmp=$(mktemp -d)
	cp -a "$KATA_BUILD/bundle/rootfs/." "$tmp/"
	tar -C "$tmp" -cf "$out" .
	rm -rf "$tmp"
}

# No QEMU or monitor of ours may outlive the test: they carry the kata root in their paths.
expect_no_vms() {
	local left
	left=$(pgrep -af -- "$1" | grep -E 'qemu|kata' || true)
	if [ -n "$left" ]; then
		echo "left behind: [$left]" >&2
		return 1
	fi
}
