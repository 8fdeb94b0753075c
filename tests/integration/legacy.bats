#!/usr/bin/env bats
# A container as the older bash scripts made it (default profile, its own
# bridge, the same metadata and proxy devices) works with every command.

load helpers

setup_file() {
	export BR="${SB_RUN}br"
	export L="$SB_RUN-legacy"
	incus network create "$BR" ipv4.address=10.88.77.1/24 ipv4.nat=true \
		ipv6.address=none >/dev/null
	incus copy golden-base/ready "agent-$L" --profile default \
		--storage sandbox \
		-c user.sandbox.slot=97 -c user.sandbox.stack=base >/dev/null
	incus config device add "agent-$L" eth0 nic network="$BR" \
		name=eth0 >/dev/null
	incus config device add "agent-$L" ssh-proxy proxy \
		listen=tcp:127.0.0.1:2297 connect=tcp:127.0.0.1:22 >/dev/null
	incus config device add "agent-$L" app-proxy proxy \
		listen=tcp:127.0.0.1:8097 connect=tcp:127.0.0.1:8080 >/dev/null
	incus config device add "agent-$L" alt-proxy proxy \
		listen=tcp:127.0.0.1:9097 connect=tcp:127.0.0.1:9090 >/dev/null
	incus start "agent-$L"
}

teardown_file() {
	incus delete --force "agent-$L" >/dev/null 2>&1 || true
	sb_cleanup
	incus network delete "$BR" >/dev/null 2>&1 || true
}

@test "list shows the legacy sandbox with its slot and ports" {
	run sandbox-list
	[ "$status" -eq 0 ]
	line=$(printf '%s\n' "$output" | grep "^$L ")
	assert_contains "$line" "97"
	assert_contains "$line" "2297"
	assert_contains "$line" "8097"
}

@test "sandbox --cmd, expose and a new sandbox beside it" {
	run sandbox "$L" --cmd 'id -un; hostname'
	[ "$status" -eq 0 ]
	assert_contains "$output" "ubuntu"
	assert_contains "$output" "agent-$L"
	run sandbox-expose "$L" 3000
	[ "$status" -eq 0 ]
	[ "$(incus config device get "agent-$L" port-3000-tcp listen)" = "tcp:127.0.0.1:3097" ]
	run sandbox-expose "$L" 3000 --remove
	[ "$status" -eq 0 ]
	# Its slot counts as taken for new sandboxes.
	run sandbox-start "$SB_RUN-new" --slot 97
	[ "$status" -eq 1 ]
	assert_contains "$output" "slot 97 is taken"
}

@test "a legacy sandbox off our bridge that asks for filtering is never shown filtered" {
	incus config set "agent-$L" user.sandbox.restrict-domains=yes
	run sandbox-list
	[ "$status" -eq 0 ]
	assert_contains "$(echo "$output" | grep "^$L ")" "unfiltered!"
	run sandbox-stop "$L"
	[ "$status" -eq 0 ]
	# Refused with how to move it, and left stopped.
	run sandbox-start "$L"
	[ "$status" -eq 1 ]
	assert_contains "$output" "the filter does not cover"
	assert_contains "$output" "network=sandboxbr0"
	[ "$(incus list "^agent-$L\$" -c s -f csv)" = STOPPED ]
	incus config unset "agent-$L" user.sandbox.restrict-domains
	run sandbox-start "$L"
	[ "$status" -eq 0 ]
	# Not on our bridge: nothing of ours is pinned on it.
	[ -z "$(incus config device get "agent-$L" eth0 ipv4.address)" ]
}

@test "a sandbox made before addresses were pinned gets its slot's address on restart" {
	local n="$SB_RUN-old" addr
	sandbox-start "$n" --slot 96 --restrict-domains --quiet
	sandbox-stop "$n" --quiet
	# What an older version made: the profile's NIC, no pinned address.
	incus config device remove "agent-$n" eth0 >/dev/null
	[ -z "$(incus config device get "agent-$n" eth0 ipv4.address 2>/dev/null)" ]
	run sandbox-start "$n"
	[ "$status" -eq 0 ]
	addr=$(incus config device get "agent-$n" eth0 ipv4.address)
	[ "${addr##*.}" = 196 ]
	[ "$(incus config device get "agent-$n" eth0 network)" = sandboxbr0 ]
	[ "$(incus config device get "agent-$n" eth0 security.ipv4_filtering)" = true ]
	[ "$(incus config get "agent-$n" boot.autostart)" = false ]
	incus list "^agent-$n\$" -c 4 -f csv | grep -q "$addr"
	run nft list set inet sandbox restricted4
	assert_contains "$output" "$addr"
	# Removed only once it has stopped, and then all of it.
	sandbox-stop "$n" --quiet
	run nft list set inet sandbox restricted4
	[[ "$output" != *"$addr"* ]]
	sandbox-stop "$n" --rm --quiet
}

@test "stop, start again and remove the legacy sandbox" {
	run sandbox-stop "$L"
	[ "$status" -eq 0 ]
	run sandbox-start "$L"
	[ "$status" -eq 0 ]
	assert_contains "$output" "slot 97"
	wait_ssh_banner 2297
	[ "$(incus config get "agent-$L" user.sandbox.slot)" = 97 ]
	run sandbox-stop "$L" --rm
	[ "$status" -eq 0 ]
	run incus info "agent-$L"
	[ "$status" -ne 0 ]
}
