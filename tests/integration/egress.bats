#!/usr/bin/env bats
# Egress control against real Incus, nftables and Squid, with "the
# internet" in network namespaces (netns.bash): no packet leaves this
# machine.  Three sandboxes: R restricted to $ALLOWED, O open, C open
# with --allow-cidr for the private-address namespace host.  Names resolve
# through the bridge's DNS only, as a user's would: nothing is pinned.

load helpers
load netns

SQUID_DIR=/var/lib/sandbox/squid

R="$SB_RUN-r"
O="$SB_RUN-o"
C="$SB_RUN-c"

# in NAME CMD...: runs CMD in the sandbox.
sx() {
	local n=$1
	shift
	incus exec "agent-$n" -- "$@"
}

# The address pinned in the sandbox's NIC: what its rules are keyed on.
addr_of() {
	incus config device get "agent-$1" eth0 ipv4.address
}

https_get() { # NAME HOST
	sx "$1" curl -fsS -m 8 -k "https://$2/"
}

http_get() { # NAME HOST
	sx "$1" curl -fsS -m 8 "http://$2/"
}

# The EGRESS cell of NAME in sandbox-list.
egress_of() {
	sandbox-list --json --no-health | python3 -c "
import json, sys
for r in json.load(sys.stdin):
    if r['name'] == '$1':
        print(r['egress'])"
}

tcp_greets() { # NAME ADDR PORT
	sx "$1" timeout 5 bash -c "exec 3<>/dev/tcp/$2/$3 && head -c 4 <&3"
}

setup_file() {
	netns_up
	netns_dns_add "$ALLOWED" "$INET_ADDR"
	netns_dns_add "$DENIED" "$INET_ADDR"
	printf '# test allowlist\n%s\n' "$ALLOWED" \
		>"$BATS_FILE_TMPDIR/allow.txt"
	sandbox-start "$R" --restrict-domains \
		--domains-file "$BATS_FILE_TMPDIR/allow.txt" --quiet
	sandbox-start "$O" --quiet
	sandbox-start "$C" --allow-cidr "$LAN_CIDR" --quiet
}

teardown_file() {
	sb_cleanup
	netns_dns_down
	netns_down
}

@test "egress: our table sits next to Incus's, filtering first" {
	run nft list table inet incus
	[ "$status" -eq 0 ]
	run nft list chain inet sandbox forward
	[ "$status" -eq 0 ]
	assert_contains "$output" "priority filter - 10"
	assert_contains "$output" 'iifname "sandboxbr0" jump from_sandbox'
	# Incus's accept does not undo our refusals, nor ours its NAT: the
	# open sandbox reaches "the internet" through Incus's masquerade.
	run https_get "$O" $ALLOWED
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $ALLOWED"
}

@test "egress: re-running setup does not duplicate rules" {
	before=$(nft list table inet sandbox)
	run sandbox-setup --quiet
	[ "$status" -eq 0 ]
	after=$(nft list table inet sandbox)
	[ "$before" = "$after" ]
	[ "$(nft list chain inet sandbox forward | grep -c jump)" -eq 1 ]
}

@test "restricted: an allowed name gets its page over HTTPS" {
	run https_get "$R" $ALLOWED
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $ALLOWED"
	run sandbox-list
	assert_contains "$(echo "$output" | grep "$R ")" "filtered"
}

@test "restricted: a denied name fails, and Squid terminated it" {
	run https_get "$R" $DENIED
	[ "$status" -ne 0 ]
	refute=$(echo "$output" | grep -c "page for" || true)
	[ "$refute" -eq 0 ]
	ip=$(addr_of "$R")
	run grep " $ip .*sni=$DENIED bump=terminate" \
		"$SQUID_DIR/log/access.log"
	[ "$status" -eq 0 ]
}

@test "restricted: plain HTTP by Host header" {
	run http_get "$R" $ALLOWED
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $ALLOWED"
	run http_get "$R" $DENIED
	[ "$status" -ne 0 ]
	[[ "$output" != *"page for"* ]]
}

@test "restricted: UDP 443 is dropped for restricted sandboxes only" {
	for n in "$R" "$O"; do
		sx "$n" python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'quic-$n', ('$INET_ADDR', 443))"
	done
	for _ in $(seq 30); do
		grep -q "quic-$O" "$NETNS_DIR/udp443.log" 2>/dev/null && break
		sleep 0.1
	done
	run cat "$NETNS_DIR/udp443.log"
	assert_contains "$output" "quic-$O"
	[[ "$output" != *"quic-$R"* ]]
}

@test "open: an unrestricted sandbox reaches both names" {
	run https_get "$O" $DENIED
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $DENIED"
	run http_get "$O" $DENIED
	[ "$status" -eq 0 ]
	run sandbox-list
	assert_contains "$(echo "$output" | grep "$O ")" "open"
}

@test "restricted: Squid down means no web at all (fails closed)" {
	pid=$(cat /run/sandbox/squid/squid.pid)
	kill "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	run https_get "$R" $ALLOWED
	[ "$status" -ne 0 ]
	run http_get "$R" $ALLOWED
	[ "$status" -ne 0 ]
	# The open sandbox does not depend on Squid.
	run https_get "$O" $ALLOWED
	[ "$status" -eq 0 ]
	# Restarted the way the toolkit does it (sb_egress_apply and
	# sandbox-setup start Squid when it is not running).
	sandbox-setup --quiet
	for _ in $(seq 100); do
		https_get "$R" $ALLOWED >/dev/null 2>&1 && break
		sleep 0.1
	done
	run https_get "$R" $ALLOWED
	[ "$status" -eq 0 ]
}

@test "ports: 25 and 6379 are blocked, 6379 opens with sandbox-expose" {
	run tcp_greets "$O" "$INET_ADDR" 25
	[ "$status" -ne 0 ]
	run tcp_greets "$O" "$INET_ADDR" 6379
	[ "$status" -ne 0 ]
	if sandbox-expose --help 2>&1 | grep -q "Not implemented"; then
		skip "sandbox-expose is not implemented yet"
	fi
	sandbox-expose "$O" 6379 >/dev/null
	run tcp_greets "$O" "$INET_ADDR" 6379
	[ "$status" -eq 0 ]
	assert_contains "$output" "+PON"
	run tcp_greets "$O" "$INET_ADDR" 25
	[ "$status" -ne 0 ]
	sandbox-expose "$O" 6379 --remove >/dev/null
	run tcp_greets "$O" "$INET_ADDR" 6379
	[ "$status" -ne 0 ]
}

@test "isolation: a sandbox cannot ping or connect to another" {
	ip=$(addr_of "$R")
	[ -n "$ip" ]
	run sx "$O" ping -c 1 -W 2 "$ip"
	[ "$status" -ne 0 ]
	run sx "$O" timeout 4 bash -c "exec 3<>/dev/tcp/$ip/22"
	[ "$status" -ne 0 ]
	# sshd does answer inside R itself.
	run sx "$R" timeout 4 bash -c "exec 3<>/dev/tcp/127.0.0.1/22 && head -c 3 <&3"
	[ "$status" -eq 0 ]
}

@test "host and LAN: refused, until --allow-cidr opens the range" {
	br=$(bridge_addr)
	run sx "$O" curl -fsS -m 4 "http://$br:$HOST_PORT/"
	[ "$status" -ne 0 ]
	run sx "$O" curl -fsS -m 4 "http://$LAN_ADDR/"
	[ "$status" -ne 0 ]
	run sx "$C" curl -fsS -m 4 "http://$LAN_ADDR/"
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $LAN_ADDR"
	# --allow-cidr opens that range only, and never the host.
	run sx "$C" curl -fsS -m 4 "http://$br:$HOST_PORT/"
	[ "$status" -ne 0 ]
	[ "$(incus config get "agent-$C" user.sandbox.allow-cidr)" = "$LAN_CIDR" ]
}

@test "--allow-cidr refuses a malformed or IPv6 range before creating anything" {
	run sandbox-start "$SB_RUN-bad" --allow-cidr 10.123.0.1/16
	[ "$status" -ne 0 ]
	assert_contains "$output" "host bits are set (the network is 10.123.0.0/16)"
	run sandbox-start "$SB_RUN-bad" --allow-cidr fd00::/8
	[ "$status" -ne 0 ]
	assert_contains "$output" "IPv4"
	run incus info "agent-$SB_RUN-bad"
	[ "$status" -ne 0 ]
}

@test "restricted: a forged Host header or SNI reaches no other server" {
	: >"$NETNS_DIR/hits-$ATTACK_ADDR.log"
	# Plain HTTP to the attacker's address, claiming an allowed name.
	run sx "$R" curl -fsS -m 8 -H "Host: $ALLOWED" "http://$ATTACK_ADDR/"
	[ "$status" -ne 0 ]
	[[ "$output" != *"page for"* ]]
	# TLS to the attacker's address with an allowed SNI (the sandbox
	# chooses where to connect; that is the attack).
	run sx "$R" curl -fsS -m 8 -k --resolve "$ALLOWED:443:$ATTACK_ADDR" \
		"https://$ALLOWED/"
	[ "$status" -ne 0 ]
	[[ "$output" != *"page for"* ]]
	run cat "$NETNS_DIR/hits-$ATTACK_ADDR.log"
	[ "$output" = "" ]
	# The open sandbox does reach it, so the server was there.
	run sx "$O" curl -fsS -m 8 "http://$ATTACK_ADDR/"
	[ "$status" -eq 0 ]
	[ -s "$NETNS_DIR/hits-$ATTACK_ADDR.log" ]
}

@test "restricted: a name only the bridge's DNS knows works through Squid" {
	# Not in the host's resolver nor in any file of Squid's.
	run getent hosts "$ALLOWED"
	[ "$status" -ne 0 ]
	run grep -rF "$ALLOWED" /etc/hosts "$SQUID_DIR/squid.conf"
	[ "$status" -ne 0 ]
	[ "$(getent_bridge "$ALLOWED")" = "$INET_ADDR" ]
	run https_get "$R" "$ALLOWED"
	[ "$status" -eq 0 ]
	run http_get "$R" "$ALLOWED"
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $ALLOWED"
}

@test "restricted: moving its address inside moves no rule" {
	real=$(addr_of "$R")
	spare=${real%.*}.250
	br=$(bridge_addr)
	# Root inside makes a spare address the primary one on eth0, keeps
	# the real one as a secondary, and routes from the spare.
	sx "$R" sh -c "ip addr flush dev eth0 && ip addr add $spare/24 dev eth0 &&
		ip addr add $real/24 dev eth0 && ip route replace default via $br src $spare"
	incus list "agent-$R" -c 4 -f csv | grep -q "$spare"
	run sandbox-domains "$R" --add "extra-$SB_RUN.test"
	[ "$status" -eq 0 ]
	run sandbox-expose "$O" 6390
	[ "$status" -eq 0 ]
	run nft list table inet sandbox
	assert_contains "$output" "$real comment \"$R\""
	[[ "$output" != *"$spare"* ]]
	[ -f "$SQUID_DIR/acl/sb-$real.conf" ]
	[ ! -e "$SQUID_DIR/acl/sb-$spare.conf" ]
	# Nothing leaves from the spare address (Incus's IP filtering), and
	# the real one is still filtered.
	run https_get "$R" "$DENIED"
	[ "$status" -ne 0 ]
	run sx "$R" curl -fsS -m 5 --interface "$real" -k "https://$DENIED/"
	[ "$status" -ne 0 ]
	[ "$(egress_of "$R")" = filtered ]
	sandbox-expose "$O" 6390 --remove >/dev/null
	# A restart keys everything on the pinned address again.
	sandbox-stop "$R" --quiet
	sandbox-start "$R" --quiet
	[ "$(addr_of "$R")" = "$real" ]
	incus list "agent-$R" -c 4 -f csv | grep -q "$real"
	run https_get "$R" "$ALLOWED"
	[ "$status" -eq 0 ]
	run https_get "$R" "$DENIED"
	[ "$status" -ne 0 ]
}

@test "fail closed: a deleted table shows unfiltered!, sandbox-start restores it" {
	nft delete table inet sandbox
	run sandbox-list
	[ "$status" -eq 0 ]
	assert_contains "$(echo "$output" | grep "^$R ")" "unfiltered!"
	assert_contains "$(echo "$output" | grep "^$O ")" "unfiltered!"
	[ "$(egress_of "$R")" = "unfiltered!" ]
	run sandbox-start "$R"
	[ "$status" -eq 0 ]
	[ "$(egress_of "$R")" = filtered ]
	run https_get "$R" "$DENIED"
	[ "$status" -ne 0 ]
	run https_get "$R" "$ALLOWED"
	[ "$status" -eq 0 ]
	# The host-wide part came back with it: the LAN is refused again.
	run sx "$O" curl -fsS -m 4 "http://$LAN_ADDR/"
	[ "$status" -ne 0 ]
	[ "$(egress_of "$O")" = open ]
}

@test "fail closed: no token reaches Squid's or incusd's environment" {
	pid=$(cat /run/sandbox/squid/squid.pid)
	kill "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	# A running sandbox's start re-applies its rules and starts Squid.
	GH_TOKEN="tok-$SB_RUN" GITHUB_TOKEN="tok-$SB_RUN" sandbox-start "$R" -q
	pid=$(cat /run/sandbox/squid/squid.pid)
	env=$(tr '\0' '\n' <"/proc/$pid/environ")
	assert_contains "$env" "PATH="
	[[ "$env" != *"tok-$SB_RUN"* ]]
	run https_get "$R" "$ALLOWED"
	[ "$status" -eq 0 ]
}

@test "--allow-cidr refuses ranges that would open everything" {
	for r in 0.0.0.0/0 8.0.0.0/7 169.254.169.254/32 169.254.0.0/16 \
		 127.0.0.1 0.0.0.0/8 239.1.2.0/24 255.255.255.255; do
		run sandbox-start "$SB_RUN-wide" --allow-cidr "$r"
		[ "$status" -ne 0 ]
		assert_contains "$output" "--allow-cidr '"
		[[ "$output" == *"is refused: "* ||
		   "$output" == *"wider than a /8"* ]]
	done
	run incus info "agent-$SB_RUN-wide"
	[ "$status" -ne 0 ]
}

@test "conntrack: closing a port ends what was opened through it" {
	ip=$(addr_of "$O")
	sandbox-expose "$O" 6379 >/dev/null
	run tcp_greets "$O" "$INET_ADDR" 6379
	[ "$status" -eq 0 ]
	run conntrack -L -s "$ip" -p tcp --dport 6379
	assert_contains "$output" "dport=6379"
	sandbox-expose "$O" 6379 --remove >/dev/null
	run conntrack -L -s "$ip" -p tcp --dport 6379
	[[ "$output" != *"dport=6379"* ]]
}

@test "fail closed: a daemon restart with the table gone starts no sandbox" {
	incus admin shutdown
	nft delete table inet sandbox 2>/dev/null || true
	GH_TOKEN="tok-$SB_RUN" "$ROOT/setup/incusd.sh"
	for n in "$R" "$O" "$C"; do
		[ "$(incus list "^agent-$n\$" -c s -f csv)" = STOPPED ]
	done
	pid=$(pgrep -xo incusd)
	[[ "$(tr '\0' '\n' <"/proc/$pid/environ")" != *"tok-$SB_RUN"* ]]
	for n in "$R" "$O" "$C"; do
		sandbox-start "$n" --quiet
	done
	[ "$(egress_of "$R")" = filtered ]
	run https_get "$R" "$DENIED"
	[ "$status" -ne 0 ]
	run https_get "$R" "$ALLOWED"
	[ "$status" -eq 0 ]
}

@test "--rm: no rule or ACL mentioning the sandbox remains" {
	ip=$(addr_of "$R")
	[ -n "$ip" ]
	assert_contains "$(nft list table inet sandbox)" "\"$R\""
	sandbox-stop "$R" --rm --quiet
	run nft list table inet sandbox
	[ "$status" -eq 0 ]
	[[ "$output" != *"\"$R\""* ]]
	[[ "$output" != *"$ip "* ]]
	run grep -rlF -e "$R" -e "$ip" "$SQUID_DIR/acl"
	[ "$status" -ne 0 ]
	# The other sandboxes keep theirs.
	run https_get "$O" $ALLOWED
	[ "$status" -eq 0 ]
}
