#!/usr/bin/env bats
# Issue 16: at home for the scripts' users.  The words their wrappers grep
# for, the environment kept across restarts, completions, and snapshots
# (take, change, restore, the file is back, same slot and ssh port, egress
# rules still applied; --rm leaves none).

load helpers

setup_file() {
	sb_private_home
}

teardown_file() {
	sb_cleanup
}

inside() { # NAME VAR: the variable in a login shell of the sandbox
	incus exec "agent-$1" -- su - ubuntu -c "printf %s \"\${$2-unset}\""
}

@test "messages carry the scripts' words and say what to do next" {
	local n=$SB_RUN-w
	run sandbox-start "$n"
	[ "$status" -eq 0 ]
	assert_contains "$output" "$n: ready (created, slot"
	run sandbox-start "$n" --stack base --slot 7
	[ "$status" -eq 1 ]
	assert_contains "$output" "Cannot change --stack, --slot"
	assert_contains "$output" "sandbox-stop $n --rm"
	run sandbox-stop "$n"
	[ "$status" -eq 0 ]
	[ "$output" = "$n: Stopped" ]
	run sandbox-start "$n"
	[ "$status" -eq 0 ]
	assert_contains "$output" "$n: restarted (slot"
	run sandbox-start "$n"
	assert_contains "$output" "$n: ready (already running"
	run sandbox-stop "nope-$SB_RUN"
	[ "$status" -eq 1 ]
	assert_contains "$output" "sandbox 'nope-$SB_RUN' not found"
	assert_contains "$output" "sandbox-start nope-$SB_RUN"
	run sandbox-expose "$n" abc
	[ "$status" -eq 1 ]
	assert_contains "$output" "port 'abc' must be a number from 1 to 65535"
	run sandbox-expose "$n" 5432 --host-port x
	assert_contains "$output" "host port 'x' must be a number"
	run sandbox-expose "$n" 5432 --host-port 70000
	[ "$status" -eq 1 ]
	assert_contains "$output" "host port '70000' is out of range (1-65535)"
	run sandbox-expose "$n" 5432 sctp
	[ "$status" -eq 1 ]
	assert_contains "$output" "protocol 'sctp' must be tcp, udp, or both"
	run sandbox-stop "$n" --rm
	[ "$status" -eq 0 ]
	assert_contains "$output" "$n: Deleted ("
	run incus info "agent-$n"
	[ "$status" -ne 0 ]
}

@test "list: STATE in Incus's case, stable JSON, csv, names and stacks" {
	local n=$SB_RUN-l
	sandbox-start -q "$n"
	run sandbox-list --no-health
	[ "$status" -eq 0 ]
	[[ "$(grep "^$n " <<<"$output")" == "$n "*" RUNNING "* ]]
	run sandbox-list --no-health --format csv
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NAME,STATE,SLOT,SSH,APP,ALT,EXTRA,EGRESS,DOCKER,AGENT,CLAUDE,REPO" ]
	[[ "$(grep "^$n," <<<"$output")" == "$n,RUNNING,"* ]]
	run sandbox-list --format json
	[ "$status" -eq 0 ]
	python3 -c '
import json, sys
r = [r for r in json.loads(sys.argv[2]) if r["name"] == sys.argv[1]][0]
assert r["state"] == "Running", r
assert r["snapshots"] == 0, r
' "$n" "$output"
	run sandbox-list --format yaml
	[ "$status" -eq 2 ]
	assert_contains "$output" "must be table, json, or csv"
	run sandbox-list --names
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx -- "$n"
	run sandbox-list --stacks
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = base ]
}

@test "env: kept across restarts, --env adds or replaces, --unset-env drops" {
	local n=$SB_RUN-e
	echo 'FROMFILE=one' >"$HOME/.sandbox/env"
	sandbox-start -q "$n" --env A=1 --env 'Q=a b'
	[ "$(inside "$n" A)" = 1 ]
	sandbox-stop -q "$n"
	echo 'FROMFILE=two' >"$HOME/.sandbox/env"
	sandbox-start -q "$n" --env B=2
	[ "$(inside "$n" A)" = 1 ]
	[ "$(inside "$n" B)" = 2 ]
	[ "$(inside "$n" Q)" = "a b" ]
	# ~/.sandbox/env is read again at every start.
	[ "$(inside "$n" FROMFILE)" = two ]
	# Running: replaced and dropped at once.
	sandbox-start -q "$n" --env A=3 --unset-env Q
	[ "$(inside "$n" A)" = 3 ]
	[ "$(inside "$n" Q)" = unset ]
	sandbox-stop -q "$n"
	sandbox-start -q "$n"
	[ "$(inside "$n" A)" = 3 ]
	[ "$(inside "$n" B)" = 2 ]
	[ "$(inside "$n" Q)" = unset ]
	# A bad key changes nothing.
	run sandbox-start "$n" --unset-env 1X
	[ "$status" -eq 2 ]
	assert_contains "$output" "--unset-env '1X'"
	[ "$(inside "$n" A)" = 3 ]
	# Not world-readable on the host: the values live in Incus only.
	run grep -rl "a b" /var/lib/sandbox /run/sandbox
	[ "$status" -ne 0 ]
}

@test "completions: bash loads them and offers a sandbox name and a stack" {
	local n=$SB_RUN-e
	run bash -c 'source completions/sandbox.bash && complete -p sandbox-start'
	[ "$status" -eq 0 ]
	assert_contains "$output" "_sandbox_complete sandbox-start"
	cd "$ROOT"
	run bash -c '
		source completions/sandbox.bash
		COMP_WORDS=(sandbox-start "${1%??}"); COMP_CWORD=1
		_sandbox_complete; printf "%s\n" "${COMPREPLY[@]}"
		echo --
		COMP_WORDS=(sandbox-start x --stack b); COMP_CWORD=3
		_sandbox_complete; printf "%s\n" "${COMPREPLY[@]}"
		echo --
		COMP_WORDS=(sandbox-expose "$1" 5432 u); COMP_CWORD=3
		_sandbox_complete; printf "%s\n" "${COMPREPLY[@]}"
	' _ "$n"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -qx -- "$n"
	printf '%s\n' "$output" | grep -qx base
	printf '%s\n' "$output" | grep -qx udp
	[ -z "$(command -v zsh)" ] || zsh -n completions/_sandbox
	[ -z "$(command -v fish)" ] || fish -n completions/sandbox.fish
}

egress_of() { # NAME: what sandbox-list reads from the kernel
	sandbox-list --no-health --json | python3 -c '
import json, sys
print([r for r in json.load(sys.stdin) if r["name"] == sys.argv[1]][0]["egress"])' "$1"
}

@test "snapshot: change a file, restore, the file is back; slot, port and rules kept" {
	local n=$SB_RUN-s slot port ip
	sandbox-start -q "$n" --restrict-domains
	slot=$(incus config get "agent-$n" user.sandbox.slot)
	port=$(incus config device get "agent-$n" ssh-proxy listen)
	ip=$(incus list "agent-$n" -c 4 --format csv | grep -o '10\.[0-9.]*' | head -1)
	[ "$(egress_of "$n")" = filtered ]
	incus exec "agent-$n" -- sh -c 'echo before > /home/ubuntu/f'
	run sandbox-snapshot "$n" cp1
	[ "$status" -eq 0 ]
	assert_contains "$output" "--restore cp1"
	# Taken without stopping.
	[ "$(incus list -c s --format csv "^agent-$n\$")" = RUNNING ]
	incus exec "agent-$n" -- sh -c 'echo after > /home/ubuntu/f'
	sandbox-expose -q "$n" 5432
	run sandbox-snapshot "$n" --list
	[ "$status" -eq 0 ]
	assert_contains "$output" "AGE"
	printf '%s\n' "$output" | grep -q '^cp1 '
	run sandbox-snapshot "$n" --restore cp1
	[ "$status" -eq 0 ]
	assert_contains "$output" "restored to snapshot cp1"
	[ "$(incus exec "agent-$n" -- cat /home/ubuntu/f)" = before ]
	[ "$(incus config get "agent-$n" user.sandbox.slot)" = "$slot" ]
	[ "$(incus config device get "agent-$n" ssh-proxy listen)" = "$port" ]
	# Added after the snapshot, kept by the restore.
	[ -n "$(incus config device get "agent-$n" port-5432-tcp listen)" ]
	wait_ssh_banner $((2200 + slot))
	[ "$(egress_of "$n")" = filtered ]
	nft list table inet sandbox | grep -qF "$ip"
	# A restore that fails halfway puts everything back.
	incus exec "agent-$n" -- sh -c 'echo third > /home/ubuntu/f'
	run env SANDBOX_FAIL_AT=restore sandbox-snapshot "$n" --restore cp1
	[ "$status" -eq 1 ]
	assert_contains "$output" "back as it was"
	[ "$(incus exec "agent-$n" -- cat /home/ubuntu/f)" = third ]
	[ "$(egress_of "$n")" = filtered ]
	run sandbox-snapshot "$n" --list --format csv
	[ "$output" = "$(printf 'NAME,CREATED,AGE,SIZE\n%s' "$(grep '^cp1,' <<<"$output")")" ]
	# SIZE is the snapshot's own bytes, measured on this quota-less pool:
	# a file written before it and deleted since is in it alone.
	incus exec "agent-$n" -- sh -c 'head -c 3000000 /dev/urandom > /home/ubuntu/big && sync'
	sandbox-snapshot "$n" cp2 -q
	incus exec "agent-$n" -- sh -c 'rm /home/ubuntu/big && sync'
	run sandbox-snapshot "$n" --list --json
	[ "$(echo "$output" | jq '.[] | select(.name == "cp2") | .size')" -ge 3000000 ]
	run sandbox-snapshot "$n" --list --json --no-size
	[ "$(echo "$output" | jq '.[] | select(.name == "cp2") | .size')" = null ]
	sandbox-snapshot "$n" --delete cp2 -q
	# Names are checked like sandbox names; unknown ones say so.
	run sandbox-snapshot "$n" 'a/b'
	[ "$status" -eq 1 ]
	assert_contains "$output" "invalid snapshot name 'a/b'"
	run sandbox-snapshot "$n" --delete nope
	[ "$status" -eq 1 ]
	assert_contains "$output" "snapshot 'nope' of '$n' not found"
	run sandbox-snapshot "$n" cp1
	[ "$status" -eq 1 ]
	assert_contains "$output" "already exists"
	sandbox-snapshot -q "$n" cp2
	run sandbox-list --json
	python3 -c '
import json, sys
r = [r for r in json.loads(sys.argv[2]) if r["name"] == sys.argv[1]][0]
assert r["snapshots"] == 2, r' "$n" "$output"
	run sandbox-snapshot "$n" --delete cp2
	[ "$status" -eq 0 ]
	[ "$(incus query "/1.0/instances/agent-$n/snapshots" | grep -c cp2)" = 0 ]
}

@test "sandbox-stop --rm leaves no snapshot behind" {
	local n=$SB_RUN-s
	# The previous test left cp1.
	[ "$(incus query "/1.0/instances/agent-$n/snapshots" | grep -c cp1)" = 1 ]
	run sandbox-stop "$n" --rm
	[ "$status" -eq 0 ]
	assert_contains "$output" "Deleted (instance, snapshots"
	run incus info "agent-$n"
	[ "$status" -ne 0 ]
	# (Incus answers [] for the snapshots of a missing instance.)
	[ "$(incus query "/1.0/instances/agent-$n/snapshots" | tr -d ' \n')" = "[]" ]
	run incus storage volume list sandbox --format csv
	[ "$status" -eq 0 ]
	[[ "$output" != *"agent-$n/"* ]]
	run ls /var/lib/incus/storage-pools/*/containers-snapshots/
	[ "$status" -eq 0 ]
	[[ "$output" != *"agent-$n"* ]]
}
