#!/usr/bin/env bats
# resources: linux.resources applied to the container's cgroup v2 in the guest, and the VM
# sized from the limits, each checked from inside the container.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "resources: memory, cpu and pids limits are in the container's cgroup" {
	add_cgroup_mount
	set_config '.linux.namespaces += [{"type": "cgroup"}] | .linux.resources = {
		"memory": {"limit": 67108864}, "cpu": {"quota": 50000, "period": 100000, "shares": 1024},
		"pids": {"limit": 77}}'
	run_in_container 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.weight'
	expect_status 0
	expect_eq "0::/" "${lines[0]}" "cgroup seen in its own cgroup namespace"
	expect_eq 67108864 "${lines[1]}" "memory.max"
	expect_eq "50000 100000" "${lines[2]}" "cpu.max"
	expect_eq 77 "${lines[3]}" "pids.max"
	# runc's conversion: 1 + (1024 - 2) * 9999 / 262142
	expect_eq 39 "${lines[4]}" "cpu.weight from shares 1024"
}

@test "resources: without a cgroup namespace the cgroup mount still shows the container's own cgroup" {
	add_cgroup_mount
	set_config '.linux.resources = {"pids": {"limit": 55}}'
	run_in_container 'cat /proc/self/cgroup /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup | grep -c "^kata$"'
	expect_eq "0::/kata/c1" "${lines[0]}" "cgroup path (default: kata/<id>)"
	expect_eq 55 "${lines[1]}" "pids.max"
	expect_eq 0 "${lines[2]}" "the guest's other cgroups are not visible"
}

@test "resources: linux.cgroupsPath is honoured below the guest's cgroup root" {
	set_config '.linux.cgroupsPath = "/../../outside/../mygroup/c1"'
	run_in_container 'cat /proc/self/cgroup'
	expect_status 0
	expect_eq "0::/mygroup/c1" "$output" "cgroup of the workload"
}

@test "resources: pids.max is enforced" {
	set_config '.linux.resources = {"pids": {"limit": 4}}'
	run_in_container 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait; echo all-forked'
	expect_output_contains "can't fork"
	# The same workload without the limit forks them all.
	set_config 'del(.linux.resources)'
	run_in_container 'for i in 1 2 3 4 5 6; do sleep 1 & done; wait; echo all-forked'
	expect_status 0
	expect_eq all-forked "$output" "without a pids limit"
}

@test "resources: memory.swap is converted to v2's swap-only limit or holds for a swapless guest" {
	add_cgroup_mount
	set_config '.linux.namespaces += [{"type": "cgroup"}] |
		.linux.resources = {"memory": {"limit": 33554432, "swap": 67108864}}'
	run_in_container 'cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/memory.swap.max 2>/dev/null || echo no-swap'
	expect_status 0
	expect_eq 33554432 "${lines[0]}" "memory.max"
	[ "${lines[1]}" = 33554432 ] || [ "${lines[1]}" = no-swap ] ||
		{ echo "memory.swap.max: expected 33554432 (swap - limit) or no swap, got [${lines[1]}]" >&2; false; }
}

@test "resources: the VM gets the memory limit on top of its default memory" {
	run_in_container 'grep MemTotal /proc/meminfo | tr -s " " | cut -d" " -f2'
	expect_status 0
	local base=$output
	set_config '.linux.resources = {"memory": {"limit": 134217728}}'
	run_in_container 'grep MemTotal /proc/meminfo | tr -s " " | cut -d" " -f2'
	expect_status 0
	local grown=$output
	# 128 MiB more guest RAM; the kernel keeps a little of it for itself.
	[ $((grown - base)) -ge 120000 ] ||
		{ echo "MemTotal: expected about 131072 kB more than $base, got $grown" >&2; false; }
}

@test "resources: a CPU quota adds vCPUs (capped at the host's)" {
	[ "$(nproc)" -ge 2 ] || skip "one host CPU"
	set_config '.linux.resources = {"cpu": {"quota": 100000, "period": 100000}}'
	run_in_container 'grep -c ^processor /proc/cpuinfo'
	expect_status 0
	expect_eq 2 "$output" "guest CPUs for 1 default + 1 from the quota"
}

@test "resources: a limit that is not applied fails create naming the field" {
	set_config '.linux.resources = {"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]}'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.resources.hugepageLimits is not supported yet'
}

@test "resources: blockIO.weight without the guest's io.weight fails create, naming it" {
	set_config '.linux.resources = {"blockIO": {"weight": 500}}'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'linux.resources.blockIO.weight'
}
