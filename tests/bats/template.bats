#!/usr/bin/env bats
# VM templating (factory.enable_template): `kata factory init` saves a booted VM, and new
# containers restore it instead of booting. Each test has its own factory directory and
# configuration file.

load helpers

setup() {
	setup_kata
	export KATA_FACTORY_DIR=$BUNDLE/factory
	export KATA_CONF_FILE=$BUNDLE/configuration.json
	printf '{"factory": {"enable_template": true}}\n' >"$KATA_CONF_FILE"
}

teardown() {
	local rc=0
	"$KATA_BIN" factory destroy >/dev/null 2>&1 || rc=1
	teardown_kata || rc=1
	# Neither the template VM nor a pooled clone may outlive the test.
	local left
	left=$(pgrep -f -- "$KATA_FACTORY_DIR/" || true)
	if [ -n "$left" ]; then
		kill -9 $left 2>/dev/null || true
		echo "processes left behind: $left" >&3
		rc=1
	fi
	rm -rf "$KATA_FACTORY_DIR"
	return $rc
}

# The QEMU command line of a running container's VM, one argument per line.
qemu_args_of() {
	local mon c
	mon=$(kata state "$1" | jq -r .pid)
	for c in $(cat "/proc/$mon/task/$mon/children"); do
		[[ $(readlink "/proc/$c/exe") == *qemu-system* ]] && tr '\0' '\n' <"/proc/$c/cmdline"
	done
}

@test "template: factory init saves one; status shows it; 9p is the default shared fs" {
	run "$KATA_BIN" env
	expect_status 0
	expect_eq true "$(jq -r .enable_template <<<"$output")" "kata env enable_template"
	expect_eq virtio-9p "$(jq -r .shared_fs <<<"$output")" "shared fs with templating"
	run "$KATA_BIN" factory status --format json
	expect_eq false "$(jq .template.ready <<<"$output")" "template ready before init"
	run "$KATA_BIN" factory init
	expect_status 0
	expect_eq "factory: template ready at $KATA_FACTORY_DIR/template" "${lines[0]}"
	for f in memory state fingerprint; do
		[ -s "$KATA_FACTORY_DIR/template/$f" ] || { echo "template/$f missing or empty" >&2; false; }
	done
	run "$KATA_BIN" factory status --format json
	expect_status 0
	expect_eq true "$(jq .template.enabled <<<"$output")" "template enabled"
	expect_eq true "$(jq .template.ready <<<"$output")" "template ready"
	expect_eq "$KATA_FACTORY_DIR/template" "$(jq -r .template.path <<<"$output")" "template path"
	# The memory file is sparse: it holds what the booted guest touched, not all 128 MiB.
	bytes=$(jq .template.memory_bytes <<<"$output")
	[ "$bytes" -gt $((4 << 20)) ] && [ "$bytes" -lt $((128 << 20)) ] ||
		{ echo "template memory: expected 4..128 MiB in use, got $bytes bytes" >&2; false; }
	run "$KATA_BIN" factory status
	[[ ${lines[0]} == "template: ready, $KATA_FACTORY_DIR/template, "*" MiB of guest RAM" ]] ||
		{ echo "table: [$output]" >&2; false; }
	# No QEMU keeps running for the template itself.
	expect_eq "" "$(pgrep -f -- "$KATA_FACTORY_DIR/" || true)" "processes after init"
	# A second init keeps the template.
	before=$(stat -c %Y.%i "$KATA_FACTORY_DIR/template/state")
	run "$KATA_BIN" factory init
	expect_status 0
	expect_eq "$before" "$(stat -c %Y.%i "$KATA_FACTORY_DIR/template/state")" "state file after a second init"
}

@test "template: a container restores it: guest kernel, the host's time, exit status" {
	"$KATA_BIN" factory init
	set_args sh -c 'uname -r; date +%s; exit 3'
	t0=$(date +%s)
	run kata --debug --log "$BUNDLE/kata.log" run --bundle "$BUNDLE" c1
	t1=$(date +%s)
	expect_status 3
	expect_eq "$GUEST_RELEASE" "${lines[0]}" "uname -r in a restored VM"
	# The clone's clock is set from the host's, not left at the template's save time.
	[ "${lines[1]}" -ge "$t0" ] && [ "${lines[1]}" -le "$t1" ] ||
		{ echo "guest time: expected $t0..$t1, got ${lines[1]}" >&2; false; }
	grep -q "c1: restoring the VM template $KATA_FACTORY_DIR/template" "$BUNDLE/kata.log" ||
		{ echo "no restore in the log: $(cat "$BUNDLE/kata.log")" >&2; false; }
}

@test "template: a clone maps the template's memory private and loads its state" {
	"$KATA_BIN" factory init
	set_args sleep 60
	kata create --bundle "$BUNDLE" c1
	args=$(qemu_args_of c1)
	grep -qx -- "-incoming" <<<"$args" || { echo "no -incoming in [$args]" >&2; false; }
	grep -qx -- "memory-backend-file,id=mem,size=128M,share=off,mem-path=$KATA_FACTORY_DIR/template/memory" <<<"$args" ||
		{ echo "RAM is not the template's, private: [$args]" >&2; false; }
	# The guest's pages come from the template's file: the VM did not boot a kernel.
	if grep -q "Linux version" "$ROOT/c1/console.log"; then
		echo "the clone booted a kernel: $(head -3 "$ROOT/c1/console.log")" >&2
		false
	fi
	kata delete --force c1
}

@test "template: two clones get different random numbers and their own hostnames" {
	"$KATA_BIN" factory init
	set_args sh -c 'hostname; head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n"'
	set_config '.hostname = "first"'
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq first "${lines[0]}" "hostname of the first clone"
	r1=${lines[1]}
	set_config '.hostname = "second"'
	run kata run --bundle "$BUNDLE" c2
	expect_status 0
	expect_eq second "${lines[0]}" "hostname of the second clone"
	[ ${#r1} = 32 ] && [ "$r1" != "${lines[1]}" ] ||
		{ echo "random bytes: expected two different values, got [$r1] and [${lines[1]}]" >&2; false; }
}

@test "template: a VM of another size, or no saved template, boots as before" {
	set_args true
	# No template yet: a cold boot, and the log says why.
	run kata --debug --log "$BUNDLE/kata.log" run --bundle "$BUNDLE" c1
	expect_status 0
	grep -q "c1: not restoring the VM template (no template saved" "$BUNDLE/kata.log" ||
		{ echo "log: $(cat "$BUNDLE/kata.log")" >&2; false; }
	"$KATA_BIN" factory init
	# A memory limit sizes the VM up: it is not the template's twin.
	set_config '.linux.resources.memory.limit = 67108864'
	run kata --debug --log "$BUNDLE/kata2.log" run --bundle "$BUNDLE" c2
	expect_status 0
	grep -q "c2: not restoring the VM template (no template saved for this VM's settings" "$BUNDLE/kata2.log" ||
		{ echo "log: $(cat "$BUNDLE/kata2.log")" >&2; false; }
}

@test "template: a pool of VMs is cloned from it" {
	printf '{"factory": {"enable_template": true, "vm_cache_number": 1}}\n' >"$KATA_CONF_FILE"
	run "$KATA_BIN" factory init
	expect_status 0
	expect_eq "factory: 1 VM booted" "${lines[1]}"
	qemu=$(pgrep -f -- "kata-pool:$KATA_FACTORY_DIR/")
	[ -n "$qemu" ] || { echo "no pooled QEMU" >&2; false; }
	grep -qx -- "-incoming" < <(tr '\0' '\n' <"/proc/$qemu/cmdline") ||
		{ echo "the pooled VM was not restored from the template" >&2; false; }
	set_args sh -c 'uname -r; date +%s'
	t0=$(date +%s)
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq "$GUEST_RELEASE" "${lines[0]}" "uname -r in a pooled clone"
	[ "${lines[1]}" -ge "$t0" ] || { echo "guest time ${lines[1]} is before $t0" >&2; false; }
}

@test "template: destroy removes it; a broken state file fails create clearly" {
	"$KATA_BIN" factory init
	# A truncated state: the restore fails, create says so and leaves nothing behind.
	truncate -s 100 "$KATA_FACTORY_DIR/template/state"
	set_args true
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean "restoring the VM template"
	expect_root_empty
	run "$KATA_BIN" factory destroy
	expect_status 0
	[ ! -e "$KATA_FACTORY_DIR" ] || { echo "left: $(find "$KATA_FACTORY_DIR")" >&2; false; }
	# Without a template the container boots.
	run kata run --bundle "$BUNDLE" c2
	expect_status 0
}

@test "template: virtio-fs named with templating is refused with one line" {
	printf '{"factory": {"enable_template": true}, "hypervisor": {"qemu": {"shared_fs": "virtio-fs"}}}\n' >"$KATA_CONF_FILE"
	run "$KATA_BIN" factory init
	expect_failure_clean "^kata: $KATA_CONF_FILE: factory.enable_template needs hypervisor.qemu.shared_fs \"virtio-9p\": QEMU cannot save a VM with a virtio-fs device$"
	[ ! -e "$KATA_FACTORY_DIR/template" ] || { echo "a template was left" >&2; false; }
}

@test "template: a template VM that cannot boot fails init with one line and leaves nothing" {
	echo "not a kernel" >"$BUNDLE/vmlinux"
	KATA_KERNEL=$BUNDLE/vmlinux run "$KATA_BIN" factory init
	expect_failure_clean "^kata: saving the VM template: qemu exited with status 1"
	[ ! -e "$KATA_FACTORY_DIR" ] || { echo "left: $(find "$KATA_FACTORY_DIR")" >&2; false; }
	expect_eq "" "$(pgrep -f -- "$KATA_FACTORY_DIR/" || true)" "processes left"
}
