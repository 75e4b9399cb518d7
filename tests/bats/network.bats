#!/usr/bin/env bats
# Networking: host networking is refused; a new network namespace gives the guest loopback only;
# a namespace with a veth (as podman/netavark and docker make) is passed to the guest through a
# tap and tc mirroring, with the veth's MAC, addresses and routes.
# (busybox 1.35 wget -T segfaults, host and guest alike: tests use timeout(1) instead.)

load helpers

setup() {
	setup_kata
	# Names short enough for IFNAMSIZ, unique per test and run.
	NS=kn$$_$BATS_TEST_NUMBER
	HOSTIF=kh$$_$BATS_TEST_NUMBER
	SUBNET=10.201.$((BATS_TEST_NUMBER % 250))
	HTTPD_PID=
}

teardown() {
	[ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
	teardown_kata
	local rc=$?
	ip netns del "$NS" 2>/dev/null || true
	ip link del "$HOSTIF" 2>/dev/null || true
	return $rc
}

# A namespace with eth0 (SUBNET.2/24, default route via SUBNET.1) whose veth peer HOSTIF is on
# the host with SUBNET.1/24, as a container client would set it up.
make_netns() {
	ip netns add "$NS"
	ip link add "$HOSTIF" type veth peer name eth0 netns "$NS"
	ip addr add "$SUBNET.1/24" dev "$HOSTIF"
	ip link set "$HOSTIF" up
	ip -n "$NS" addr add "$SUBNET.2/24" dev eth0
	ip -n "$NS" link set eth0 mtu 1400 up
	ip -n "$NS" link set lo up
	ip -n "$NS" route add default via "$SUBNET.1"
	set_config --arg p "/run/netns/$NS" \
		'.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
}

# The namespace holds only what the client made: no tap, no qdisc of ours.
expect_netns_clean() {
	local links qdisc
	links=$(ip -n "$NS" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
	expect_eq "eth0 lo " "$links" "links in the namespace after the container"
	qdisc=$(ip netns exec "$NS" tc qdisc show dev eth0 ingress)
	expect_eq "" "$qdisc" "ingress qdisc left on eth0"
}

@test "network: a spec without a network namespace (host networking) is refused" {
	set_config '.linux.namespaces |= map(select(.type != "network"))'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'host networking is not supported'
	run pgrep -f -- "$ROOT"
	expect_eq "" "$output" "processes left"
}

@test "network: the host's own network namespace named by path is refused as host networking" {
	set_config --arg p "/proc/$$/ns/net" \
		'.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean "host networking is not supported: the network namespace \"/proc/$$/ns/net\" is the host's"
	run ip -o link show
	[[ "$output" != *_kata* ]] || { echo "a tap was created in the host namespace: [$output]" >&2; false; }
}

@test "network: a new network namespace gives the guest loopback only, and up" {
	run_in_container 'ip -o link show | cut -d: -f2 | tr -d " "; ip -o addr show lo | grep -q "inet 127.0.0.1/8" && echo lo-has-127; ping -c 1 -W 5 127.0.0.1 >/dev/null && echo ping-lo-ok'
	expect_status 0
	expect_eq $'lo\nlo-has-127\nping-lo-ok' "$output" "links and loopback"
}

@test "network: a namespace's veth reaches the guest with its MAC, address, MTU and routes" {
	make_netns
	local mac
	mac=$(ip -n "$NS" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	run_in_container 'ip -o link show eth0; ip -o -4 addr show eth0; ip route'
	expect_status 0
	expect_output_contains "link/ether $mac"
	expect_output_contains "mtu 1400"
	expect_output_contains "inet $SUBNET.2/24"
	expect_line "default via $SUBNET.1 dev eth0 "
	expect_netns_clean
}

@test "network: the guest pings and fetches from the host end of the veth" {
	make_netns
	mkdir -p "$BUNDLE/www"
	echo "served-by-host-$$" >"$BUNDLE/www/index.html"
	busybox httpd -f -p "$SUBNET.1:8089" -h "$BUNDLE/www" &
	HTTPD_PID=$!
	run_in_container "ping -c 2 -W 5 $SUBNET.1 >/dev/null && echo ping-ok; timeout 20 wget -q -O - http://$SUBNET.1:8089/index.html"
	expect_status 0
	expect_eq $'ping-ok\nserved-by-host-'$$ "$output" "ping and wget from the guest"
	expect_netns_clean
}

@test "network: the host reaches a server in the guest" {
	make_netns
	set_args sh -c 'echo from-guest >/tmp/index.html; httpd -f -p 8090 -h /tmp'
	kata create --bundle "$BUNDLE" c1 </dev/null
	kata start c1
	local got="" i
	for i in $(seq 50); do
		got=$(timeout 3 busybox wget -q -O - "http://$SUBNET.2:8090/index.html" 2>/dev/null) && break
		sleep 0.2
	done
	expect_eq from-guest "$got" "wget from the host"
	kata kill c1 KILL
	wait_status c1
	kata delete c1
	expect_netns_clean
	expect_root_empty
}

@test "network: a missing namespace path fails cleanly" {
	set_config '.linux.namespaces |= map(if .type == "network" then .path = "/run/netns/kata-no-such-ns" else . end)'
	run kata run --bundle "$BUNDLE" c1
	expect_failure_clean 'network namespace "/run/netns/kata-no-such-ns"'
}

@test "network: internetworking_model none keeps the namespace's interfaces out of the guest" {
	make_netns
	printf '{"runtime": {"internetworking_model": "none"}}\n' >"$BUNDLE/configuration.json"
	KATA_CONF_FILE=$BUNDLE/configuration.json run_in_container 'ip -o link show | cut -d: -f2 | tr -d " "'
	expect_status 0
	expect_eq lo "$output" "guest links with internetworking_model none"
	expect_netns_clean
}

@test "network: a second container on a namespace in use fails cleanly, the first keeps working" {
	make_netns
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata create --bundle "$BUNDLE" c1 </dev/null
	run kata create --bundle "$BUNDLE" c2
	[ "$status" -ne 0 ] || { echo "second create on the same namespace succeeded" >&2; false; }
	expect_output_contains 'already used by another kata container'
	[ ! -e "$ROOT/c2" ] || { echo "state of c2 left behind" >&2; false; }
	kata start c1
	run kata exec c1 ping -c 1 -W 5 "$SUBNET.1"
	expect_status 0
	kata kill c1 TERM
	wait_status c1
	kata delete c1
	expect_netns_clean
}

@test "network: delete undoes the tc mirroring of a monitor that was killed" {
	make_netns
	set_args sh -c 'trap "exit 0" TERM; sleep 600 & wait'
	kata create --bundle "$BUNDLE" c1 </dev/null
	local pid
	pid=$(kata state c1 | jq .pid)
	expect_eq "ingress" "$(ip netns exec "$NS" tc qdisc show dev eth0 ingress | awk '{print $2}')" "qdisc while c1 lives"
	kill -9 "$pid"
	wait_status c1
	kata delete c1
	expect_netns_clean
	# The namespace serves the next VM.
	run_in_container "ping -c 1 -W 5 $SUBNET.1 >/dev/null && echo ping-ok" c2
	expect_status 0
	expect_eq ping-ok "$output" "a new container on the namespace"
	expect_netns_clean
}

@test "network: IPv6 addresses and routes reach the guest too (dual stack)" {
	make_netns
	local v6=fd00:201:$((BATS_TEST_NUMBER % 250))
	ip -6 addr add "$v6::1/64" dev "$HOSTIF" nodad
	ip -n "$NS" -6 addr add "$v6::2/64" dev eth0 nodad
	ip -n "$NS" -6 route add default via "$v6::1"
	run_in_container "ip -o -6 addr show eth0 scope global | grep -o 'inet6 [0-9a-f:/]*'; ip -6 route | grep ^default; ping -6 -c 2 -W 5 $v6::1 >/dev/null && echo ping6-ok"
	expect_status 0
	expect_eq "inet6 $v6::2/64" "${lines[0]}" "guest IPv6 address"
	[[ "${lines[1]}" == "default via $v6::1 dev eth0"* ]] || { echo "IPv6 default route: got [${lines[1]}]" >&2; false; }
	expect_eq ping6-ok "${lines[2]}" "ping -6 of the host end"
	expect_netns_clean
}
