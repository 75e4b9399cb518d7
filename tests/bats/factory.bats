#!/usr/bin/env bats
# The VM factory (factory.vm_cache_number): `kata factory init|status|destroy`, containers
# taking a pooled VM, the pool refilling, and nothing left behind. Each test has its own
# pool directory (KATA_FACTORY_DIR) and configuration file.

load helpers

setup() {
	setup_kata
	export KATA_FACTORY_DIR=$BUNDLE/pool
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	# shared_fs left to its default: with a pool that is 9p (pools refuse virtio-fs).
	printf '{"factory": {"vm_cache_number": 2}}\n' >"$KATA_CONF_FILE"
}

# The pool goes first: a keeper started by a container's refill carries that container's
# command line (it is a fork of its monitor), which teardown_kata would take for a leftover.
teardown() {
	local rc=0 left i
	"$KATA_BIN" factory destroy >/dev/null 2>&1 || rc=1
	teardown_kata || rc=1
	# The VMs of deleted containers end with them; give their keepers a moment.
	for ((i = 0; i < 50; i++)); do
		left=$(pool_qemus)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		kill -9 $left 2>/dev/null || true
		echo "pooled QEMUs left behind: $left" >&3
		rc=1
	fi
	rm -rf "$KATA_FACTORY_DIR"
	return $rc
}

# The QEMUs of this test's pool (named kata-pool:$KATA_FACTORY_DIR/...).
pool_qemus() { pgrep -f -- "kata-pool:$KATA_FACTORY_DIR/" || true; }

# ready_count: how many pooled VMs are ready.
ready_count() { "$KATA_BIN" factory status --format json | jq .ready; }

# wait_ready N: up to 60 s for N ready VMs (the refill boots in the background).
wait_ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(ready_count)" = "$1" ] && return 0
		sleep 0.1
	done
	echo "pool: expected $1 ready VMs, got $(ready_count): $("$KATA_BIN" factory status)" >&2
	return 1
}

@test "factory: init boots the configured number of VMs; status lists them as table and JSON" {
	run "$KATA_BIN" env
	expect_status 0
	expect_eq "virtio-9p" "$(jq -r .shared_fs <<<"$output")" "default shared fs with a pool"
	[[ $(jq -r .shared_fs_reason <<<"$output") == "default with a VM pool"* ]] ||
		{ echo "expected the pool as the reason, got: $(jq -r .shared_fs_reason <<<"$output")" >&2; false; }
	run "$KATA_BIN" factory init
	expect_status 0
	expect_eq "factory: 2 VMs booted" "$output"
	run "$KATA_BIN" factory status --format json
	expect_status 0
	expect_eq 2 "$(jq .vm_cache_number <<<"$output")" "vm_cache_number"
	expect_eq 2 "$(jq .ready <<<"$output")" "ready"
	expect_eq '["ready","ready"]' "$(jq -c '[.vms[].state]' <<<"$output")" "states"
	# Each keeper is alive, and runs one QEMU of this pool.
	for pid in $(jq '.vms[].keeper_pid' <<<"$output"); do
		kill -0 "$pid" || { echo "keeper $pid is not running" >&2; false; }
	done
	expect_eq 2 "$(pool_qemus | wc -l)" "pooled QEMUs"
	run "$KATA_BIN" factory status
	expect_status 0
	expect_eq "template: disabled (factory.enable_template)" "${lines[0]}" "table's first line"
	[[ "${lines[1]}" == "vm_cache_number: 2, ready: 2" ]] || { echo "table: [$output]" >&2; false; }
	# kata env shows the configured pool size.
	expect_eq 2 "$("$KATA_BIN" env | jq .vm_cache_number)" "kata env vm_cache_number"
	# A second init has nothing to do.
	run "$KATA_BIN" factory init
	expect_eq "factory: 0 VMs booted" "$output"
}

@test "factory: a container takes a pooled VM (guest kernel, exit status), and the pool refills" {
	"$KATA_BIN" factory init
	before=$("$KATA_BIN" factory status --format json | jq -r '[.vms[].name] | sort | join(" ")')
	set_args sh -c 'uname -r; echo out; exit 7'
	run kata run --bundle "$BUNDLE" c1
	expect_status 7
	expect_eq "$GUEST_RELEASE" "${lines[0]}" "uname -r (the guest's kernel)"
	expect_eq out "${lines[1]}"
	# One of the two pooled VMs was used (its directory is gone) and a new one replaced it.
	wait_ready 2
	after=$("$KATA_BIN" factory status --format json | jq -r '[.vms[].name] | sort | join(" ")')
	common=$(comm -12 <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") | wc -l)
	expect_eq 1 "$common" "VMs kept from before [$before] -> [$after]"
	expect_eq 2 "$(pool_qemus | wc -l)" "pooled QEMUs after the refill"
}

@test "factory: exec, kill and delete work on a pooled VM; two containers never share one" {
	"$KATA_BIN" factory init
	set_args sleep 3600
	kata create --bundle "$BUNDLE" a
	kata start a
	kata create --bundle "$BUNDLE" b
	kata start b
	# Both came from the pool: two claimed VMs, each with its own keeper.
	run "$KATA_BIN" factory status --format json
	expect_eq 2 "$(jq '[.vms[] | select(.state == "claimed")] | length' <<<"$output")" "claimed"
	expect_eq 2 "$(jq '[.vms[] | select(.state == "claimed") | .keeper_pid] | unique | length' <<<"$output")" "keepers"
	# Different guests: each kernel has its own boot id.
	boot_a=$(kata exec a cat /proc/sys/kernel/random/boot_id)
	boot_b=$(kata exec b cat /proc/sys/kernel/random/boot_id)
	[ -n "$boot_a" ] && [ "$boot_a" != "$boot_b" ] ||
		{ echo "boot ids: expected two different, got [$boot_a] [$boot_b]" >&2; false; }
	# The rootfs reached the pooled guest through the share.
	run kata exec a test -e /bin/sh
	expect_status 0
	kata kill a KILL
	wait_status a
	keeper=$(jq -r '.vms[] | select(.state == "claimed") | .keeper_pid' <<<"$("$KATA_BIN" factory status --format json)" | head -1)
	kata delete a
	kata delete --force b
	# Their VMs, keepers and directories are gone; no mount of theirs remains.
	for ((i = 0; i < 100; i++)); do
		[ "$("$KATA_BIN" factory status --format json | jq '[.vms[] | select(.state == "claimed")] | length')" = 0 ] && break
		sleep 0.1
	done
	expect_eq 0 "$("$KATA_BIN" factory status --format json | jq '[.vms[] | select(.state == "claimed")] | length')" "claimed VMs after delete"
	process_gone "$keeper" || { echo "keeper $keeper of a deleted container still runs" >&2; false; }
	! grep -q -- "$KATA_FACTORY_DIR" /proc/self/mountinfo
	expect_root_empty
}

@test "factory: a container that needs another VM size boots its own VM" {
	"$KATA_BIN" factory init
	set_config '.linux.resources.memory.limit = 67108864'
	set_args sh -c 'grep MemTotal /proc/meminfo'
	run kata run --bundle "$BUNDLE" big
	expect_status 0
	# 128 + 64 MiB: more than a pooled 128 MiB VM has.
	kb=$(tr -s ' ' <<<"$output" | cut -d' ' -f2)
	[ "$kb" -gt 140000 ] || { echo "MemTotal: expected a 192 MiB guest, got [$output]" >&2; false; }
	expect_eq 2 "$(ready_count)" "ready VMs (none taken)"
}

@test "factory: a container with a network namespace boots its own VM, with its interface" {
	"$KATA_BIN" factory init
	local ns=kata-pool-$$ hostif=kpool$$
	ip netns add "$ns"
	ip link add "$hostif" type veth peer name eth0 netns "$ns"
	ip -n "$ns" addr add 10.213.7.2/24 dev eth0
	ip -n "$ns" link set eth0 up
	set_config --arg p "/run/netns/$ns" \
		'.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	set_args sh -c 'ip -o -4 addr show eth0'
	run kata run --bundle "$BUNDLE" netc
	ip netns del "$ns"
	ip link del "$hostif" 2>/dev/null || true
	expect_status 0
	[[ $output == *"10.213.7.2/24"* ]] || { echo "expected eth0 with 10.213.7.2/24 in the guest, got [$output]" >&2; false; }
	expect_eq 2 "$(ready_count)" "ready VMs (none taken: a pooled VM has no network device)"
}

@test "factory: destroy stops every VM and leaves nothing behind" {
	"$KATA_BIN" factory init
	keepers=$("$KATA_BIN" factory status --format json | jq '.vms[].keeper_pid')
	run "$KATA_BIN" factory destroy
	expect_status 0
	expect_eq "factory: 2 VMs stopped" "$output"
	[ ! -e "$KATA_FACTORY_DIR" ] || { echo "left: $(find "$KATA_FACTORY_DIR")" >&2; false; }
	expect_eq "" "$(pool_qemus)" "pooled QEMUs"
	for pid in $keepers; do
		process_gone "$pid" || { echo "keeper $pid still runs" >&2; false; }
	done
	# With no pool a container boots as before.
	set_args true
	run kata run --bundle "$BUNDLE" c
	expect_status 0
	run "$KATA_BIN" factory destroy
	expect_eq "factory: 0 VMs stopped" "$output"
}

@test "factory: bad input fails with one line and boots nothing" {
	run "$KATA_BIN" factory
	expect_failure_clean '^kata: factory: expected init, status or destroy$'
	run "$KATA_BIN" factory start
	expect_failure_clean '^kata: factory: unknown subcommand "start" \(init, status, destroy\)$'
	run "$KATA_BIN" factory init now
	expect_failure_clean '^kata: factory init: unexpected argument "now"$'
	run "$KATA_BIN" factory status --format xml
	expect_failure_clean '^kata: factory status: --format must be table or json, not "xml"$'
	printf '{"factory": {"vm_cache_number": 0}}\n' >"$KATA_CONF_FILE"
	run "$KATA_BIN" factory init
	expect_failure_clean "^kata: factory init: $KATA_CONF_FILE sets neither factory.vm_cache_number nor factory.enable_template: no pool to fill and no template to save$"
	printf '{"factory": {"vm_cache_number": 1, "vm_cache_endpoint": "/x"}}\n' >"$KATA_CONF_FILE"
	run "$KATA_BIN" factory init
	expect_failure_clean "^kata: $KATA_CONF_FILE: factory.vm_cache_endpoint: unknown key"
	printf '{"factory": {"vm_cache_number": 1}, "hypervisor": {"qemu": {"shared_fs": "virtio-fs"}}}\n' >"$KATA_CONF_FILE"
	if [ -x /usr/lib/qemu/virtiofsd ]; then
		run "$KATA_BIN" factory init
		expect_failure_clean 'kata: the VM factory: a pool of VMs works with shared_fs "virtio-9p" only, not "virtio-fs"$'
	fi
	[ ! -e "$KATA_FACTORY_DIR" ] || { echo "left: $(find "$KATA_FACTORY_DIR")" >&2; false; }
	expect_eq "" "$(pool_qemus)" "pooled QEMUs"
}
