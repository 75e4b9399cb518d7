#!/usr/bin/env bats
# user namespaces: linux.uidMappings/gidMappings applied by the agent inside the guest, as runc
# does on a host; each checked from inside the container.
#
# The rootfs and bind mounts reach the guest over 9p (security_model=none, access=client):
# the guest sees the host's owners unchanged, and the spec's mappings apply on top. A host
# file owned by 0 appears as the overflow id (65534) unless hostID 0 is mapped, and a file
# the container's root creates is created by QEMU (root on the host) and then chowned to the
# id the guest sent: the mapped one (hostID 100000 here), not 0.

load helpers

setup() {
	setup_kata
	set_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}
teardown() {
	[ -n "${SHARED:-}" ] && rm -rf "$SHARED"
	teardown_kata
}

@test "userns: the container is root inside, with the spec's maps and full capabilities" {
	# (one line: set_args passes arguments line by line)
	run_in_container 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; grep -E "^Cap(Eff|Bnd)" /proc/self/status; stat -c "%u:%g" /bin /bin/sh'
	expect_status 0
	expect_eq 0 "${lines[0]}" "id -u"
	expect_eq 0 "${lines[1]}" "id -g"
	# "0 100000 65536", in the kernel's column layout.
	expect_eq "0 100000 65536" "$(echo ${lines[2]})" "uid_map"
	expect_eq "0 100000 65536" "$(echo ${lines[3]})" "gid_map"
	# Every capability of the guest kernel (cap_last_cap 40), relative to the user ns.
	expect_eq "CapEff:	000001ffffffffff" "${lines[4]}" "CapEff"
	expect_eq "CapBnd:	000001ffffffffff" "${lines[5]}" "CapBnd"
	# The image's files belong to host root, which is not mapped: the overflow id.
	expect_eq "65534:65534" "${lines[6]}" "owner of /bin"
	expect_eq "65534:65534" "${lines[7]}" "owner of /bin/sh"
}

@test "userns: the container's root has no power over files of unmapped host root" {
	# /etc is host root's, mode 755: the container's capabilities do not apply to it.
	run_in_container 'touch /etc/userns-test 2>&1; echo "rc=$?"'
	expect_status 0
	expect_line "rc=1"
	expect_output_contains "Permission denied"
	[ ! -e "$KATA_BUILD/bundle/rootfs/etc/userns-test" ]
}

@test "userns: a file created in a bind-mounted host directory is owned by the mapped id" {
	SHARED=$(mktemp -d /tmp/kata-userns.XXXXXX)
	chown 100000:100000 "$SHARED"
	echo host >"$SHARED/from-host"
	# An existing directory: the container's root cannot create one in the image.
	add_mount "{\"destination\":\"/mnt\",\"type\":\"bind\",\"source\":\"$SHARED\",\"options\":[\"rbind\",\"rw\"]}"
	run_in_container 'stat -c "%u:%g" /mnt /mnt/from-host; echo made >/mnt/made; stat -c "%u:%g" /mnt/made'
	expect_status 0
	expect_eq "0:0" "${lines[0]}" "the directory owned by hostID 100000, inside"
	expect_eq "65534:65534" "${lines[1]}" "a file of host root, inside"
	expect_eq "0:0" "${lines[2]}" "the new file, inside"
	expect_eq made "$(cat "$SHARED/made")" "the new file on the host"
	expect_eq "100000:100000" "$(stat -c %u:%g "$SHARED/made")" "the new file's owner on the host"
}

@test "userns: process.user, rlimits and hostname apply inside the user namespace" {
	set_config '.process.user = {"uid": 1000, "gid": 1001}
		| .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1234, "hard": 2345}]
		| .hostname = "inside-userns"'
	run_in_container 'id -u; id -g; ulimit -n; ulimit -Hn; hostname; grep ^Uid /proc/self/status'
	expect_status 0
	expect_eq 1000 "${lines[0]}" "id -u"
	expect_eq 1001 "${lines[1]}" "id -g"
	expect_eq 1234 "${lines[2]}" "soft nofile"
	expect_eq 2345 "${lines[3]}" "hard nofile"
	expect_eq inside-userns "${lines[4]}" "hostname"
	expect_eq "Uid:	1000	1000	1000	1000" "${lines[5]}" "uids"
}

@test "userns: /sys is the guest's, read-only all the way down" {
	# No cgroup mount in the spec: /sys/fs/cgroup is the guest's, a submount of the bind.
	run_in_container 'grep -E " /sys(/fs/cgroup)? " /proc/self/mounts | cut -d" " -f2,4 | cut -d, -f1; mkdir /sys/fs/cgroup/x 2>&1; echo "rc=$?"'
	expect_status 0
	expect_line "/sys ro"
	expect_line "/sys/fs/cgroup ro"
	expect_output_contains "Read-only file system"
	expect_line "rc=1"
}

@test "userns: exec joins the user namespace and sees the same maps" {
	start_sleeper c1
	run kata exec c1 sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map; grep ^CapEff /proc/self/status; readlink /proc/self/ns/user; readlink /proc/1/ns/user'
	expect_status 0
	expect_eq 0 "${lines[0]}" "id -u"
	expect_eq "0 100000 65536" "$(echo ${lines[1]})" "uid_map"
	expect_eq "0 100000 65536" "$(echo ${lines[2]})" "gid_map"
	expect_eq "CapEff:	000001ffffffffff" "${lines[3]}" "CapEff"
	expect_eq "${lines[5]}" "${lines[4]}" "the exec's user ns is the init's"
	kata kill c1 KILL
	wait_status c1
}

@test "userns: a user namespace without mappings fails create naming the field" {
	set_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.uidMappings: user namespaces enabled, but no uid mappings found'
	set_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.gidMappings: user namespaces enabled, but no gid mappings found'
}

@test "userns: mappings without a user namespace fail create naming the field" {
	set_config '.linux.namespaces |= map(select(.type != "user"))'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.uidMappings: user mappings found, but no user namespace'
}

@test "userns: a mapping without containerID 0 fails create: the init cannot become root" {
	set_config '.linux.uidMappings = [{"containerID": 1, "hostID": 100000, "size": 65536}]'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'setresuid\(0\) in the user namespace.*linux.uidMappings'
}

@test "userns: namespaced sysctls, seccomp and a capability set apply inside" {
	# kernel.msgmax belongs to the container's ipc namespace, owned by its user namespace.
	set_config '.linux.sysctl = {"kernel.msgmax": "4321"}
		| .process.capabilities = {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"],
			"permitted": ["CAP_CHOWN"]}
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	run_in_container 'cat /proc/sys/kernel/msgmax; grep -E "^Cap(Eff|Bnd)" /proc/self/status; mkdir /tmp/userns-seccomp 2>&1; echo "rc=$?"'
	expect_status 0
	expect_eq 4321 "${lines[0]}" "kernel.msgmax"
	expect_eq "CapEff:	0000000000000001" "${lines[1]}" "CapEff"
	expect_eq "CapBnd:	0000000000000001" "${lines[2]}" "CapBnd"
	expect_output_contains "Operation not permitted"
	expect_line "rc=1"
}

@test "userns: a sysctl of the guest's network namespace is refused, naming it" {
	# The container keeps the guest's network namespace, which its user namespace does not own.
	set_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'sysctl "net.ipv4.ip_forward"'
}

@test "userns: with a cgroup namespace the cgroup2 mount is the container's own cgroup" {
	set_config '.linux.namespaces += [{"type": "cgroup"}]'
	add_cgroup_mount
	run_in_container 'cat /proc/self/cgroup; test -e /sys/fs/cgroup/cgroup.procs && echo procs; grep " /sys/fs/cgroup " /proc/self/mounts | tail -n1 | cut -d" " -f3,4 | cut -d, -f1'
	expect_status 0
	expect_eq "0::/" "${lines[0]}" "the cgroup namespace's root"
	expect_eq procs "${lines[1]}" "cgroup.procs in the mount"
	expect_eq "cgroup2 ro" "${lines[2]}" "the mount's type and ro option"
}
