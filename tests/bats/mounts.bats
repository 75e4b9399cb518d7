#!/usr/bin/env bats
# mounts: read-only root, tmpfs options, host files and directories shared into the VM,
# masked and read-only paths, each checked from inside the container.

load helpers

setup() {
	setup_kata
	HOSTDIR=$(mktemp -d /tmp/kata-hostdir.XXXXXX)
}
teardown() {
	teardown_kata
	rm -rf "$HOSTDIR"
}

@test "mounts: root.readonly makes / read-only (EROFS)" {
	set_config '.root.readonly = true'
	run_in_container 'exec 2>&1; touch /newfile; echo "rc=$?"; echo ok > /tmp/x 2>/dev/null; echo "tmp rc=$?"'
	expect_status 0
	expect_output_contains "Read-only file system"
	expect_line "rc=1"
}

@test "mounts: tmpfs options (size, mode, nosuid, noexec) are applied" {
	add_mount '{"destination":"/mnt/t","type":"tmpfs","source":"tmpfs","options":["nosuid","noexec","size=1m","mode=1750"]}'
	run_in_container 'grep " /mnt/t " /proc/mounts; stat -c %a /mnt/t'
	expect_status 0
	local opts
	opts=$(printf '%s\n' "${lines[0]}" | cut -d" " -f4)
	[[ ",$opts," == *,nosuid,* && ",$opts," == *,noexec,* && ",$opts," == *,size=1024k,* ]] ||
		{ echo "tmpfs options: expected nosuid,noexec,size=1024k, got [$opts]" >&2; false; }
	expect_eq 1750 "${lines[1]}" "mode of /mnt/t"
}

@test "mounts: a host directory is shared, both ways" {
	echo from-host >"$HOSTDIR/in"
	add_mount "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"$HOSTDIR\",\"options\":[\"rbind\",\"rw\"]}"
	run_in_container 'cat /data/in; echo from-guest > /data/out'
	expect_status 0
	expect_eq from-host "$output" "host file read in the container"
	expect_eq from-guest "$(cat "$HOSTDIR/out")" "container file read on the host"
}

@test "mounts: a host file is bind-mounted on its own" {
	echo "10.0.0.9 myhost" >"$HOSTDIR/hosts"
	add_mount "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"$HOSTDIR/hosts\",\"options\":[\"rbind\",\"ro\"]}"
	run_in_container 'cat /etc/hosts; ls /etc | grep -c .'
	expect_status 0
	expect_eq "10.0.0.9 myhost" "${lines[0]}" "/etc/hosts"
	# Only the file was shared: the rest of the image's /etc is still there.
	[ "${lines[1]}" -ge 3 ] || { echo "expected the image's /etc beside the file, got ${lines[1]} entries" >&2; false; }
}

@test "mounts: a read-only bind refuses writes (EROFS) and the host file is unchanged" {
	echo keep >"$HOSTDIR/f"
	add_mount "{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"$HOSTDIR\",\"options\":[\"bind\",\"ro\"]}"
	# One stream in the guest: stdout and stderr travel separately and may interleave on the host.
	run_in_container 'exec 2>&1; echo changed > /ro/f; echo "rc=$?"'
	expect_output_contains "Read-only file system"
	expect_line "rc=1"
	expect_eq keep "$(cat "$HOSTDIR/f")" "host file"
}

@test "mounts: the host rewriting a bind-mounted file after create is seen by the container" {
	echo before >"$HOSTDIR/resolv.conf"
	mkdir "$HOSTDIR/ctl"
	add_mount "{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":\"$HOSTDIR/resolv.conf\",\"options\":[\"rbind\",\"ro\"]}"
	add_mount "{\"destination\":\"/ctl\",\"type\":\"bind\",\"source\":\"$HOSTDIR/ctl\",\"options\":[\"rbind\",\"rw\"]}"
	# The container reads the file, tells the host, waits for the host's rewrite, reads again.
	# (One line: set_args splits arguments at newlines.)
	set_args sh -c 'cat /etc/resolv.conf > /ctl/first; touch /ctl/ready; i=0; while [ ! -e /ctl/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; cat /etc/resolv.conf'
	kata create --bundle "$BUNDLE" c1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	kata start c1
	local i
	for ((i = 0; i < 600; i++)); do [ -e "$HOSTDIR/ctl/ready" ] && break; sleep 0.1; done
	expect_eq before "$(cat "$HOSTDIR/ctl/first")" "first read"
	# In place, as podman rewrites /etc/hosts and /etc/resolv.conf (same inode).
	echo after >"$HOSTDIR/resolv.conf"
	touch "$HOSTDIR/ctl/go"
	wait_status c1 60
	expect_eq after "$(cat "$BATS_TEST_TMPDIR/out")" "second read, after the host's rewrite"
	kata delete c1
}

@test "mounts: a bind source that does not exist fails create naming the mount" {
	add_mount '{"destination":"/data","type":"bind","source":"/nonexistent/kata-src","options":["rbind"]}'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'mounts\[[0-9]+\] \(/data\): bind source "/nonexistent/kata-src".*No such file'
}

@test "mounts: maskedPaths hide files and directories" {
	set_config '.linux.maskedPaths = ["/proc/version", "/proc/sys/fs", "/no/such/path"]'
	run_in_container 'echo "[$(cat /proc/version)]"; ls /proc/sys/fs | wc -l'
	expect_status 0
	expect_eq "[]" "${lines[0]}" "masked /proc/version"
	expect_eq 0 "${lines[1]}" "entries in masked /proc/sys/fs"
}

@test "mounts: readonlyPaths refuse writes (EROFS)" {
	set_config '.linux.readonlyPaths = ["/proc/sys"]'
	run_in_container 'echo x > /proc/sys/kernel/domainname; echo "rc=$?"'
	expect_output_contains "Read-only file system"
	expect_line "rc=1"
}
