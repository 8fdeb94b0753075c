#!/usr/bin/env bats
# The slot's ports forward in the kernel (Incus nat proxy devices to the
# sandbox's pinned address): sshd answers the moment sandbox-start returns,
# create and restart alike; app, alt and sandbox-expose ports forward; and
# the route_localnet this needs never lets a sandbox reach the host's own
# 127.0.0.1 services.

load helpers

P="$SB_RUN-p"

slot_of() { incus config get "agent-$1" user.sandbox.slot; }

# banner PORT: the first 4 bytes on 127.0.0.1:PORT, with no retry: the
# port must answer now.
banner() {
	timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 4 <&3"
}

# serve NAME PORT [udp]: a one-line server inside the sandbox.
serve() {
	local proto=${3:-tcp}
	incus exec "agent-$1" -- sh -c "nohup python3 -c '
import socket, sys
if \"$proto\" == \"udp\":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((\"0.0.0.0\", $2))
    while True:
        d, a = s.recvfrom(512)
        s.sendto(b\"udp-$2:\" + d, a)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"0.0.0.0\", $2))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b\"port-$2\\n\")
    c.close()
' >/dev/null 2>&1 &"
	sleep 0.3
}

setup_file() {
	export LO_PORT=$(( 19000 + RANDOM % 1000 ))
	python3 -m http.server "$LO_PORT" --bind 127.0.0.1 \
		>/dev/null 2>&1 3>&- </dev/null &
	echo $! >"$BATS_FILE_TMPDIR/lo.pid"
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/lo.pid")" 2>/dev/null
	sb_cleanup
}

@test "ssh answers on the slot port as soon as sandbox-start returns (create, restart)" {
	sandbox-start "$P" -q
	s=$(slot_of "$P")
	run banner $((2200 + s))
	[ "$output" = "SSH-" ]
	# No forkproxy: the ports are DNAT rules, not processes.
	[ "$(incus config device get "agent-$P" ssh-proxy nat)" = true ]
	[ "$(incus config device get "agent-$P" ssh-proxy connect)" = \
	  "tcp:$(incus config device get "agent-$P" eth0 ipv4.address):22" ]
	init=$(incus query "/1.0/instances/agent-$P/state" | jq -r .pid)
	run pgrep -f "forkproxy.* $init "
	[ "$status" -ne 0 ]
	sandbox-stop "$P" -q
	sandbox-start "$P" -q
	run banner $((2200 + s))
	[ "$output" = "SSH-" ]
}

@test "app, alt and exposed ports forward, TCP and UDP" {
	s=$(slot_of "$P")
	serve "$P" 8080
	serve "$P" 9090
	run banner $((8000 + s))
	[ "$output" = "port" ]
	run timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((9000 + s)) && cat <&3"
	[ "$output" = "port-9090" ]
	sandbox-expose "$P" 5432 both -q
	serve "$P" 5432
	serve "$P" 5432 udp
	run timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((5432 + s)) && cat <&3"
	[ "$output" = "port-5432" ]
	run timeout 3 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b'hi', ('127.0.0.1', $((5432 + s))))
print(s.recv(64).decode())"
	[ "$output" = "udp-5432:hi" ]
	[ "$(incus config device get "agent-$P" port-5432-udp nat)" = true ]
	sandbox-expose "$P" 5432 both --remove -q
	run timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((5432 + s)) && cat <&3"
	[ "$status" -ne 0 ]
}

# reach_host_loopback NAME: as root inside, turns on its own
# route_localnet and routes 127.0.0.1 out of eth0 to the host, then asks
# the host's 127.0.0.1:LO_PORT service for a page.
reach_host_loopback() {
	local br
	br=$(ip -4 -o addr show dev sandboxbr0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	incus exec "agent-$1" -- sh -c "
		sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1
		ip route replace 127.0.0.1/32 via $br dev eth0 table 100
		ip rule show | grep -q 'lookup 100' || ip rule add pref 10 to 127.0.0.1 lookup 100
		ip rule show | grep -q '^0:.*lookup local' && { ip rule add pref 20 lookup local; ip rule del pref 0; }
		curl -fsS -m 4 http://127.0.0.1:$LO_PORT/ >/dev/null"
}

@test "a sandbox cannot reach a service bound to the host's 127.0.0.1" {
	# What the kernel forwarding needs is on...
	[ "$(cat /proc/sys/net/ipv4/conf/sandboxbr0/route_localnet)" = 1 ]
	curl -fsS -m 3 "http://127.0.0.1:$LO_PORT/" >/dev/null
	# ...and still the sandbox's root gets nothing from the host's
	# loopback.
	run reach_host_loopback "$P"
	[ "$status" -ne 0 ]
	# The same attempt with the rules gone does get through: that is why
	# route_localnet is only ever on together with them, why sandbox-list
	# then says unfiltered!, and why sandbox-start puts them back.
	nft delete table inet sandbox
	run reach_host_loopback "$P"
	[ "$status" -eq 0 ]
	run sandbox-list --no-health
	assert_contains "$(echo "$output" | grep "^$P ")" "unfiltered!"
	sandbox-start "$P" -q
	run nft list chain inet sandbox to_host
	assert_contains "$output" "ip daddr 127.0.0.0/8 drop"
	run reach_host_loopback "$P"
	[ "$status" -ne 0 ]
}
