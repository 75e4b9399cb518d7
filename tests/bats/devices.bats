#!/usr/bin/env bats
# devices: the container's /dev (default nodes, symlinks, linux.devices), checked from inside.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "devices: the default nodes exist with runc's major:minor and type" {
	run_in_container 'for d in null zero full random urandom tty; do stat -c "%n %t:%T %F %a" /dev/$d; done'
	expect_status 0
	expect_line "/dev/null 1:3 character special file 666"
	expect_line "/dev/zero 1:5 character special file 666"
	expect_line "/dev/full 1:7 character special file 666"
	expect_line "/dev/random 1:8 character special file 666"
	expect_line "/dev/urandom 1:9 character special file 666"
	expect_line "/dev/tty 5:0 character special file 666"
}

@test "devices: the default nodes behave as their drivers" {
	run_in_container 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1 | tr -d " "; echo x > /dev/full; echo "full rc=$?"; head -c 16 /dev/urandom | wc -c'
	expect_line "null-ok"
	expect_line "00000000"
	expect_output_contains "No space left on device"
	expect_line "full rc=1"
	expect_line "16"
}

@test "devices: the /dev symlinks of runc" {
	run_in_container 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done'
	expect_status 0
	expect_line "fd -> /proc/self/fd"
	expect_line "stdin -> /proc/self/fd/0"
	expect_line "stdout -> /proc/self/fd/1"
	expect_line "stderr -> /proc/self/fd/2"
	expect_line "ptmx -> pts/ptmx"
}

@test "devices: a linux.devices entry is created with its numbers, mode and owner" {
	set_config '.linux.devices = [{"path": "/dev/myfull", "type": "c", "major": 1, "minor": 7,
		"fileMode": 384, "uid": 12, "gid": 34}]'
	run_in_container 'stat -c "%n %t:%T %F %a %u:%g" /dev/myfull; echo x > /dev/myfull; echo "rc=$?"'
	expect_line "/dev/myfull 1:7 character special file 600 12:34"
	# It reaches the guest's driver: /dev/full's ENOSPC.
	expect_output_contains "No space left on device"
	expect_line "rc=1"
}

@test "devices: a device of unknown type fails create naming it" {
	set_config '.linux.devices = [{"path": "/dev/odd", "type": "x", "major": 1, "minor": 7}]'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.devices: /dev/odd: type "x" is not c, u, b or p'
}

@test "devices: linux.resources.devices rules are enforced in the guest (BPF device filter)" {
	# The guest's stderr joins stdout in the container: relayed apart, they may interleave mid-line.
	add_mount '{"destination":"/mnt","type":"tmpfs","source":"tmpfs"}'
	# /dev/kmsg (1:11) is not among the default devices: deny-all refuses writing it.
	set_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	run_in_container 'exec 2>&1; mknod /mnt/k c 1 11; echo hi > /mnt/k; echo "kmsg rc=$?"; echo x > /dev/null; echo "null rc=$?"'
	expect_output_contains "Operation not permitted"
	expect_line "kmsg rc=1"
	expect_line "null rc=0"
	# A later rule allowing it wins.
	set_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	run_in_container 'exec 2>&1; mknod /mnt/k c 1 11; echo hi > /mnt/k; echo "kmsg rc=$?"'
	expect_status 0
	expect_eq "kmsg rc=0" "$output" "with an allow rule"
}
