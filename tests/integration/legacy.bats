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
