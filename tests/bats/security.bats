#!/usr/bin/env bats
# security: capabilities, seccomp and sysctl, each checked from inside the container.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

# A seccomp profile allowing everything but mkdir/mkdirat, which fail with ERRNO_JSON
# (an "errnoRet" member, or nothing for the default).
deny_mkdir() {
	set_config --argjson e "${1:-null}" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}
			+ (if $e == null then {} else {"errnoRet": $e} end))]}'
}

@test "security: without CAP_CHOWN, chown fails with EPERM; with it, it works" {
	set_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
		"permitted": ["CAP_KILL"]}'
	run_in_container 'touch /tmp/f; chown 1:1 /tmp/f; echo "rc=$?"'
	expect_output_contains "Operation not permitted"
	expect_line "rc=1"
	set_config '.process.capabilities = {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"],
		"permitted": ["CAP_CHOWN"]}'
	run_in_container 'touch /tmp/f; chown 1:1 /tmp/f; echo "rc=$?"; stat -c %u /tmp/f'
	expect_line "rc=0"
	expect_line "1"
}

@test "security: an unknown capability fails create naming the set and the name" {
	set_config '.process.capabilities.bounding += ["CAP_TELEPORT"]'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'process.capabilities.bounding: unknown capability "CAP_TELEPORT"'
}

@test "security: a seccomp rule without errnoRet fails the syscall with EPERM" {
	deny_mkdir
	run_in_container 'mkdir /tmp/d; echo "rc=$?"; grep ^Seccomp: /proc/self/status'
	expect_output_contains "Operation not permitted"
	expect_line "rc=1"
	expect_line "Seccomp:	2"
}

@test "security: a seccomp rule returns the spec's errnoRet" {
	deny_mkdir 28 # ENOSPC
	run_in_container 'mkdir /tmp/d; echo "rc=$?"; touch /tmp/still-works && echo touched'
	expect_output_contains "No space left on device"
	expect_line "rc=1"
	expect_line "touched"
}

@test "security: seccomp defaultErrnoRet is the errno of the default action" {
	# Deny by default, allow every x86_64 syscall but mkdir/mkdirat: those hit the default.
	local hdr=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
	[ -r "$hdr" ] || skip "no $hdr to list the syscalls from"
	local allow
	allow=$(sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' "$hdr" | grep -vx 'mkdir\|mkdirat' |
		jq -R . | jq -s .)
	set_config --argjson allow "$allow" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO",
		"defaultErrnoRet": 28, "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": $allow, "action": "SCMP_ACT_ALLOW"}]}'
	run_in_container 'mkdir /tmp/d; echo "rc=$?"'
	expect_output_contains "No space left on device"
	expect_line "rc=1"
}

@test "security: no seccomp in the spec means no filter" {
	set_config 'del(.linux.seccomp)'
	run_in_container 'grep ^Seccomp: /proc/self/status'
	expect_status 0
	expect_eq "Seccomp:	0" "$output" "seccomp mode"
}

@test "security: an unknown seccomp action fails create naming the field" {
	set_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]}'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.seccomp.syscalls\[\].action: unknown seccomp action "SCMP_ACT_EXPLODE"'
}

@test "security: an unknown seccomp architecture fails create naming it" {
	set_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.seccomp.architectures: unknown architecture "SCMP_ARCH_PDP11"'
}

@test "security: linux.sysctl is written in the container's namespaces" {
	set_config '.linux.sysctl = {"kernel.domainname": "kata.test", "kernel.msgmax": "4096"}'
	run_in_container 'cat /proc/sys/kernel/domainname /proc/sys/kernel/msgmax'
	expect_status 0
	expect_eq "kata.test" "${lines[0]}" "kernel.domainname"
	expect_eq 4096 "${lines[1]}" "kernel.msgmax"
}

@test "security: linux.sysctl is written before readonlyPaths make /proc/sys read-only (docker)" {
	set_config '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0"} |
		.linux.readonlyPaths += ["/proc/sys"]'
	run_in_container 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start; (echo 5 >/proc/sys/net/ipv4/ip_unprivileged_port_start) 2>/dev/null || echo read-only'
	expect_status 0
	expect_eq $'0\nread-only' "$output" "sysctl value and /proc/sys"
}
