#!/usr/bin/env bats
# The configuration file (KATA_CONF_FILE here; /etc/kata and /usr/share/kata are searched
# otherwise): each key's effect seen from inside the guest, errors naming the key, the
# environment winning over the file, and the hypervisor annotations it allows.

load helpers

setup() {
	setup_kata
	CONF=$BUNDLE/configuration.json
	export KATA_CONF_FILE=$CONF
}
teardown() { teardown_kata; }

# write_conf JSON: this test's configuration file.
write_conf() {
	printf '%s\n' "$1" >"$CONF"
}

# The guest's MemTotal in kB, its CPU count and kernel command line, from the container.
probe_guest='grep MemTotal /proc/meminfo | tr -s " " | cut -d" " -f2; nproc; cat /proc/cmdline'

@test "config: default_memory, default_vcpus and kernel_params change the guest" {
	write_conf '{"hypervisor": {"qemu": {"default_memory": 400, "default_vcpus": 2,
		"kernel_params": "kata_conf_test=1"}}}'
	run_in_container "$probe_guest"
	expect_status 0
	# 400 MiB is 409600 kB; the kernel keeps some, but far more than the 128 MiB default.
	[ "${lines[0]}" -gt 300000 ] && [ "${lines[0]}" -le 409600 ] ||
		{ echo "MemTotal: expected a 400 MiB guest, got ${lines[0]} kB" >&2; false; }
	expect_eq 2 "${lines[1]}" "nproc"
	[[ " ${lines[2]} " == *" kata_conf_test=1 "* ]] || { echo "cmdline: [${lines[2]}]" >&2; false; }
	# The same container without the file: the built-in 128 MiB, 1 vCPU, no extra parameter.
	unset KATA_CONF_FILE
	run_in_container "$probe_guest"
	[ "${lines[0]}" -le 131072 ] || { echo "MemTotal without the file: ${lines[0]} kB" >&2; false; }
	expect_eq 1 "${lines[1]}" "nproc without the file"
	[[ "${lines[2]}" != *kata_conf_test* ]]
}

@test "config: the environment overrides win over the file; env shows the file and every setting" {
	write_conf '{"hypervisor": {"qemu": {"default_memory": 400, "default_vcpus": 2,
		"enable_annotations": ["kernel_params", "default_vcpus"], "kernel_params": "x=1"}},
		"agent": {"kata": {"dial_timeout": 7}}, "runtime": {"internetworking_model": "none"}}'
	run kata env
	expect_status 0
	expect_eq "$CONF" "$(jq -r .config_file <<<"$output")" "config_file"
	expect_eq 400 "$(jq .memory_mib <<<"$output")" "memory_mib"
	expect_eq 2 "$(jq .vcpus <<<"$output")" "vcpus"
	expect_eq 7000 "$(jq .boot_timeout_ms <<<"$output")" "boot_timeout_ms from dial_timeout"
	expect_eq x=1 "$(jq -r .kernel_params <<<"$output")" "kernel_params"
	# No shared_fs in the file: the default, virtio-fs where virtiofsd runs (virtiofs.bats).
	local want_fs=virtio-9p
	[ -x /usr/lib/qemu/virtiofsd ] && want_fs=virtio-fs
	expect_eq "$want_fs" "$(jq -r .shared_fs <<<"$output")" "shared_fs"
	expect_eq '["default_vcpus","kernel_params"]' "$(jq -c .enable_annotations <<<"$output")"
	expect_eq none "$(jq -r .internetworking_model <<<"$output")"
	expect_eq "none: guests get loopback only" "$(jq -r .networking <<<"$output")" "networking"
	KATA_MEMORY_MIB=300 KATA_VCPUS=1 KATA_BOOT_TIMEOUT_MS=900 run kata env
	expect_eq 300 "$(jq .memory_mib <<<"$output")" "KATA_MEMORY_MIB over the file"
	expect_eq 1 "$(jq .vcpus <<<"$output")" "KATA_VCPUS over the file"
	expect_eq 900 "$(jq .boot_timeout_ms <<<"$output")" "KATA_BOOT_TIMEOUT_MS over the file"
	# Seen in the guest too.
	KATA_MEMORY_MIB=300 run_in_container "$probe_guest"
	expect_status 0
	[ "${lines[0]}" -le 307200 ] || { echo "MemTotal: expected at most 300 MiB, got ${lines[0]} kB" >&2; false; }
	unset KATA_CONF_FILE
	run kata env
	expect_eq built-in "$(jq -r .config_file <<<"$output")" "config_file without a file"
	expect_eq '[]' "$(jq -c .enable_annotations <<<"$output")" "no annotations allowed by default"
}

@test "config: an unknown key or a wrong type fails create naming the key, leaving nothing" {
	write_conf '{"hypervisor": {"qemu": {"defualt_memory": 512}}}'
	set_args true
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean "^kata: $CONF: hypervisor\.qemu\.defualt_memory: unknown key"
	write_conf '{"hypervisor": {"qemu": {"default_memory": "512"}}}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "^kata: $CONF: hypervisor\.qemu\.default_memory: expected an integer, got a string$"
	write_conf '{"agent": {"kata": {"enable_debug": "yes"}}}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "agent\.kata\.enable_debug: expected true or false, got a string$"
	write_conf '{"runtime": {"internetworking_model": "macvtap"}}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "runtime\.internetworking_model: \"macvtap\": expected \"tcfilter\" or \"none\"$"
	write_conf '{"hypervisor": {"qemu": {"shared_fs": "virtio-fs", "virtio_fs_daemon": "/nonexistent/virtiofsd"}}}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "virtio_fs_daemon\) \"/nonexistent/virtiofsd\" cannot run: No such file or directory$"
	# kata env and check report the same error.
	write_conf '{"hypervisor": {"qemu": {"defualt_memory": 512}}}'
	run kata env
	[ "$status" -ne 0 ]
	[[ "$output" == "kata: $CONF: hypervisor.qemu.defualt_memory: unknown key"* ]] || { echo "[$output]" >&2; false; }
	run kata check
	[ "$status" -ne 0 ]
	[[ "${lines[0]}" =~ ^FAIL\ +config\ +$CONF:\ hypervisor\.qemu\.defualt_memory:\ unknown\ key ]] || { echo "[$output]" >&2; false; }
	# KATA_CONF_FILE must name a file that exists.
	KATA_CONF_FILE=/nonexistent/configuration.json run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "^kata: KATA_CONF_FILE=/nonexistent/configuration.json: No such file or directory$"
}

@test "config: debug settings reach the guest's command line and the runtime's log" {
	write_conf '{"agent": {"kata": {"enable_debug": true}}}'
	run_in_container 'cat /proc/cmdline'
	expect_status 0
	[[ " $output " == *" agent.log=debug "* && " $output " == *" quiet "* ]] || { echo "agent debug: [$output]" >&2; false; }
	write_conf '{"hypervisor": {"qemu": {"enable_debug": true}}, "runtime": {"enable_debug": true}}'
	set_args cat /proc/cmdline
	run kata --log "$BUNDLE/kata.log" run --bundle "$BUNDLE" c1
	expect_status 0
	[[ " $output " != *" quiet "* && " $output " == *" agent.log=debug "* ]] || { echo "hypervisor debug: [$output]" >&2; false; }
	# runtime.enable_debug: debug lines in the log without --debug.
	grep -q "debug: c1: agent ready" "$BUNDLE/kata.log" || { echo "log: [$(cat "$BUNDLE/kata.log")]" >&2; false; }
	write_conf '{}'
	run kata --log "$BUNDLE/kata2.log" run --bundle "$BUNDLE" c1
	expect_status 0
	! grep -q "debug:" "$BUNDLE/kata2.log"
}

@test "config: hypervisor annotations are refused unless enable_annotations lists them" {
	set_config '.annotations["io.katacontainers.config.hypervisor.default_memory"] = "400"'
	set_args true
	unset KATA_CONF_FILE
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "^kata: annotation io\.katacontainers\.config\.hypervisor\.default_memory is not enabled in the configuration"
	# Enabling another one does not allow it.
	write_conf '{"hypervisor": {"qemu": {"enable_annotations": ["default_vcpus"]}}}'
	export KATA_CONF_FILE=$CONF
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "annotation io\.katacontainers\.config\.hypervisor\.default_memory is not enabled in the configuration \(hypervisor\.qemu\.enable_annotations of $CONF\)$"
	set_config '.annotations = {"io.katacontainers.config.hypervisor.enable_iommu": "true"}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "annotation io\.katacontainers\.config\.hypervisor\.enable_iommu is not supported"
}

@test "config: allowed annotations size the VM and add kernel parameters; bad values are named" {
	write_conf '{"hypervisor": {"qemu": {"kernel_params": "from_conf=1",
		"enable_annotations": ["default_vcpus", "default_memory", "kernel_params"]}}}'
	set_config '.annotations = {"io.katacontainers.config.hypervisor.default_memory": "400",
		"io.katacontainers.config.hypervisor.default_vcpus": "2",
		"io.katacontainers.config.hypervisor.kernel_params": "from_annotation=1"}'
	run_in_container "$probe_guest"
	expect_status 0
	[ "${lines[0]}" -gt 300000 ] || { echo "MemTotal: expected a 400 MiB guest, got ${lines[0]} kB" >&2; false; }
	expect_eq 2 "${lines[1]}" "nproc"
	[[ " ${lines[2]} " == *" from_conf=1 from_annotation=1 "* ]] || { echo "cmdline: [${lines[2]}]" >&2; false; }
	set_config '.annotations = {"io.katacontainers.config.hypervisor.default_vcpus": "two"}'
	set_args true
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "^kata: annotation io\.katacontainers\.config\.hypervisor\.default_vcpus: \"two\" is not an integer in 1\.\.256$"
	set_config '.annotations = {"io.katacontainers.config.hypervisor.default_memory": "16"}'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "default_memory: \"16\" is not an integer in 64\.\.1048576 MiB$"
}
