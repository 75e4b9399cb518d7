#!/usr/bin/env bats
# process: args, env, cwd, user, rlimits, no_new_privs, capabilities, oom_score_adj, umask,
# each checked from inside the container.

load helpers

setup() { setup_kata; }
teardown() { teardown_kata; }

@test "process: args reach the workload unsplit, env and cwd are the spec's" {
	set_args sh -c 'echo "[$1][$2]"; echo "FOO=$FOO"; pwd' sh 'a b' c
	set_config '.process.env += ["FOO=bar baz"] | .process.cwd = "/tmp"'
	run kata run --bundle "$BUNDLE" c1
	expect_status 0
	expect_eq "[a b][c]" "${lines[0]}" "args"
	expect_eq "FOO=bar baz" "${lines[1]}" "env"
	expect_eq "/tmp" "${lines[2]}" "cwd"
}

@test "process: a cwd missing from the image is created, as runc does" {
	set_config '.process.cwd = "/does/not/exist/yet"'
	run_in_container 'pwd'
	expect_status 0
	expect_eq "/does/not/exist/yet" "$output" "cwd"
}

@test "process: user uid, gid and additionalGids, seen by id" {
	set_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20]}'
	run_in_container 'id -u; id -g; id -G'
	expect_status 0
	expect_eq 1000 "${lines[0]}" "id -u"
	expect_eq 1001 "${lines[1]}" "id -g"
	expect_eq "1001 10 20" "${lines[2]}" "id -G"
}

@test "process: HOME comes from /etc/passwd when the spec has none" {
	set_config '.process.env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'
	run_in_container 'echo "$HOME"'
	expect_status 0
	expect_eq "/root" "$output" "HOME of uid 0"
}

@test "process: rlimits are set, soft and hard" {
	set_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1234, "hard": 2345}]'
	run_in_container 'ulimit -n; ulimit -Hn'
	expect_status 0
	expect_eq 1234 "${lines[0]}" "soft nofile"
	expect_eq 2345 "${lines[1]}" "hard nofile"
}

@test "process: an unknown rlimit type fails create naming it" {
	set_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'process.rlimits: unknown rlimit type "RLIMIT_BOGUS"'
}

@test "process: noNewPrivileges sets NoNewPrivs, and only when asked" {
	set_config '.process.noNewPrivileges = true'
	run_in_container 'grep NoNewPrivs /proc/self/status'
	expect_status 0
	expect_eq "NoNewPrivs:	1" "$output" "with noNewPrivileges"
	set_config '.process.noNewPrivileges = false'
	run_in_container 'grep NoNewPrivs /proc/self/status'
	expect_status 0
	expect_eq "NoNewPrivs:	0" "$output" "without noNewPrivileges"
}

@test "process: capabilities give exactly the spec's CapEff and CapBnd" {
	# CAP_CHOWN is bit 0, CAP_KILL bit 5: 0x21.
	set_config '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL"],
		"effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"]}'
	run_in_container 'grep -E "^Cap(Eff|Bnd)" /proc/self/status'
	expect_status 0
	expect_line "CapEff:	0000000000000021"
	expect_line "CapBnd:	0000000000000021"
}

@test "process: oomScoreAdj is the process's oom_score_adj" {
	set_config '.process.oomScoreAdj = 500'
	run_in_container 'cat /proc/self/oom_score_adj'
	expect_status 0
	expect_eq 500 "$output" "oom_score_adj"
}

@test "process: user.umask is the workload's umask; 0022 when absent" {
	set_config '.process.user.umask = 63'
	# A file of its own: the bundle rootfs (and its /tmp) is shared by every test here.
	run_in_container 'umask; rm -f /tmp/umask-test; touch /tmp/umask-test; stat -c %a /tmp/umask-test; rm -f /tmp/umask-test'
	expect_status 0
	expect_eq "0077" "${lines[0]}" "umask"
	expect_eq "600" "${lines[1]}" "mode of a new file"
	set_config 'del(.process.user.umask)'
	run_in_container 'umask'
	expect_status 0
	expect_eq "0022" "$output" "default umask"
}

@test "process: a file that is not executable fails create with runc's message" {
	set_args /etc/passwd
	run kata create --bundle "$BUNDLE" c1
	expect_failure_clean 'exec.*/etc/passwd.*permission denied'
}
