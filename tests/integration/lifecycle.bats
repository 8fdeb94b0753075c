#!/usr/bin/env bats
# sandbox-setup idempotence and the lifecycle: start, list, stop, restart,
# expose, remove, nuke, against the real Incus daemon.

load helpers

setup_file() {
	sb_private_home
	printf 'FROM_FILE=file value\n' > "$HOME/.sandbox/env"
}

teardown_file() {
	sb_cleanup
}

cfg() { incus config get "agent-$1" "$2"; }

@test "sandbox-setup a second time changes nothing and says so" {
	run sandbox-setup
	[ "$status" -eq 0 ]
	assert_contains "$output" "nothing to do"
	assert_contains "$output" "profile sandbox"
	run incus info golden-base
	assert_contains "$output" "ready"
	[ "$(incus config show golden-base | grep -A1 '^profiles:' | tail -1)" = "- sandbox" ]
}

@test "start creates a sandbox that ssh reaches, with metadata and env verbatim" {
	local n=$SB_RUN-a v='q"x'"'"'y $(touch /tmp/pwned) `id` a  b'
	run sandbox-start "$n" --env "WEIRD=$v" --env PLAIN=1 --memory 1GiB
	[ "$status" -eq 0 ]
	assert_contains "$output" "ssh -p"
	slot=$(cfg "$n" user.sandbox.slot)
	[ -n "$slot" ]
	[ "$(cfg "$n" user.sandbox.stack)" = base ]
	[ "$(cfg "$n" limits.memory)" = 1GiB ]
	[ "$(incus config device get "agent-$n" ssh-proxy listen)" = "tcp:127.0.0.1:$((2200 + slot))" ]
	[ "$(incus config device get "agent-$n" app-proxy listen)" = "tcp:127.0.0.1:$((8000 + slot))" ]
	[ "$(incus config device get "agent-$n" alt-proxy connect)" = \
	  "tcp:$(incus config device get "agent-$n" eth0 ipv4.address):9090" ]
	got=$(incus exec "agent-$n" -- bash -lc 'printf %s "$WEIRD"')
	[ "$got" = "$v" ]
	[ "$(incus exec "agent-$n" -- bash -lc 'printf %s "$FROM_FILE"')" = "file value" ]
	run incus exec "agent-$n" -- test -e /tmp/pwned
	[ "$status" -ne 0 ]
	[ "$(incus exec "agent-$n" -- stat -c %u /workspace/project)" = 1000 ]
	out=$(ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -i "$HOME/.ssh/id_ed25519" \
		-p $((2200 + slot)) ubuntu@127.0.0.1 'id -u; hostname' 2>/dev/null)
	assert_contains "$out" "1000"
	assert_contains "$out" "agent-$n"
}

@test "list shows the sandbox in the table and as JSON" {
	local n=$SB_RUN-a
	run sandbox-list
	[ "$status" -eq 0 ]
	assert_contains "$output" "NAME"
	line=$(printf '%s\n' "$output" | grep "^$n ")
	assert_contains "$line" "RUNNING"
	assert_contains "$line" "open"
	run sandbox-list --json
	[ "$status" -eq 0 ]
	printf '%s' "$output" | python3 -c '
import json, sys
rows = {r["name"]: r for r in json.load(sys.stdin)}
r = rows[sys.argv[1]]
assert r["state"] == "Running", r
assert r["ssh_port"] == 2200 + r["slot"], r
assert r["egress"] == "open", r
assert r["docker"] in ("running", "stopped"), r
' "$n"
	run sandbox-list --no-health --json
	[ "$status" -eq 0 ]
	printf '%s' "$output" | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin) if r["name"] == sys.argv[1]][0]
assert r["docker"] is None, r
' "$n"
}

@test "the REPO column reads owner/repo and branch from the workspace" {
	local n=$SB_RUN-a
	sandbox "$n" --cmd 'cd /workspace/project && git init -q -b feature-x . &&
		git remote add origin git@github.com:acme/widgets.git'
	run sandbox-list
	line=$(printf '%s\n' "$output" | grep "^$n ")
	assert_contains "$line" "acme/widgets@feature-x"
	run sandbox-list --json
	printf '%s' "$output" | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin) if r["name"] == sys.argv[1]][0]
assert r["repo_slug"] == "acme/widgets", r
assert r["branch"] == "feature-x", r
' "$n"
	sandbox "$n" --cmd 'rm -rf /workspace/project/.git'
}

@test "stop, stop again, refuse immutable flags on restart, restart with limits" {
	local n=$SB_RUN-a
	run sandbox-stop "$n"
	[ "$status" -eq 0 ]
	[ "$(incus list -c s --format csv "^agent-$n\$")" = STOPPED ]
	run sandbox-stop "$n"
	[ "$status" -eq 0 ]
	run sandbox-start "$n" --stack base --slot 7
	[ "$status" -eq 1 ]
	assert_contains "$output" "Cannot change --stack, --slot"
	[ "$(incus list -c s --format csv "^agent-$n\$")" = STOPPED ]
	run sandbox-start "$n" --cpu 1 --env LATER=yes
	[ "$status" -eq 0 ]
	assert_contains "$output" "$n: restarted"
	[ "$(cfg "$n" limits.cpu)" = 1 ]
	[ "$(incus exec "agent-$n" -- bash -lc 'printf %s "$LATER"')" = yes ]
	run sandbox-start "$n"
	[ "$status" -eq 0 ]
	assert_contains "$output" "already running"
}

@test "expose adds and removes port devices, refusing taken and bad ports" {
	local n=$SB_RUN-a slot
	slot=$(cfg "$n" user.sandbox.slot)
	run sandbox-expose "$n" 5432 both
	[ "$status" -eq 0 ]
	[ "$(incus config device get "agent-$n" port-5432-tcp listen)" = "tcp:127.0.0.1:$((5432 + slot))" ]
	[ "$(incus config device get "agent-$n" port-5432-udp listen)" = "udp:127.0.0.1:$((5432 + slot))" ]
	run sandbox-list
	assert_contains "$output" "$((5432 + slot))->5432"
	run sandbox-expose "$n" 6000 --host-port $((5432 + slot))
	[ "$status" -eq 1 ]
	assert_contains "$output" "agent-$n"
	for bad in 0 65536 -1 22x; do
		run sandbox-expose -- "$n" "$bad"
		[ "$status" -ne 0 ]
		assert_contains "$output" "'$bad'"
	done
	run sandbox-expose "$n" 5432 both --remove
	[ "$status" -eq 0 ]
	run incus config device list "agent-$n"
	[[ "$output" != *port-5432* ]]
}

@test "two starts at the same time get different slots" {
	sandbox-start "$SB_RUN-p1" -q & p1=$!
	sandbox-start "$SB_RUN-p2" -q & p2=$!
	wait $p1
	wait $p2
	s1=$(cfg "$SB_RUN-p1" user.sandbox.slot)
	s2=$(cfg "$SB_RUN-p2" user.sandbox.slot)
	[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ]
	sandbox-stop -q --rm "$SB_RUN-p1" "$SB_RUN-p2"
}

@test "a start that fails halfway leaves no instance behind" {
	local n=$SB_RUN-f slot
	# A slot whose SSH port another program holds: refused before
	# anything is made (a kernel-forwarded port binds nothing, so it
	# would otherwise take the port from that program silently).
	for slot in $(seq 99 -1 80); do
		incus list --format csv -c n | grep -q . || true
		if ! incus config show --expanded $(incus list --format csv -c n) 2>/dev/null | grep -q "127.0.0.1:$((2200 + slot))\$"; then
			break
		fi
	done
	python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(60)' $((2200 + slot)) &
	holder=$!
	sleep 0.3
	run sandbox-start "$n" --slot "$slot"
	kill $holder
	[ "$status" -eq 1 ]
	assert_contains "$output" "in use"
	run incus info "agent-$n"
	[ "$status" -ne 0 ]
	for step in network files sshd egress; do
		run env SANDBOX_FAIL_AT=$step sandbox-start "$n"
		[ "$status" -eq 1 ]
		assert_contains "$output" "injected failure at $step"
		run incus info "agent-$n"
		[ "$status" -ne 0 ]
	done
}

@test "bad input is refused with the value named and nothing made" {
	local long
	long=$(printf 'x%.0s' $(seq 58))
	for bad in "$long" "a.b" "a/b" "a b" "-x" "x-" "café"; do
		run sandbox-start -- "$bad"
		[ "$status" -ne 0 ]
		assert_contains "$output" "$bad"
	done
	run sandbox-start "$SB_RUN-b" --slot 0
	[ "$status" -eq 1 ]
	assert_contains "$output" "'0'"
	run sandbox-start "$SB_RUN-b" --slot 100
	[ "$status" -eq 1 ]
	run sandbox-start "$SB_RUN-b" --stack nosuch
	[ "$status" -eq 1 ]
	assert_contains "$output" "available stacks are base"
	run sandbox-start "$SB_RUN-b" --memory lots
	[ "$status" -eq 1 ]
	assert_contains "$output" "'lots'"
	run sandbox-start "$SB_RUN-b" --env '1BAD=x'
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ]
	assert_contains "$output" "'1BAD'"
	run sandbox-start "$SB_RUN-b" --bogus
	[ "$status" -eq 2 ]
	run incus info "agent-$SB_RUN-b"
	[ "$status" -ne 0 ]
	run sandbox-stop "$SB_RUN-nosuch"
	[ "$status" -eq 1 ]
	assert_contains "$output" "sandbox-start $SB_RUN-nosuch"
}

@test "stop --rm removes the sandbox" {
	run sandbox-stop "$SB_RUN-a" --rm
	[ "$status" -eq 0 ]
	run incus info "agent-$SB_RUN-a"
	[ "$status" -ne 0 ]
}

@test "nuke refuses without confirmation and removes everything it lists" {
	sandbox-start -q "$SB_RUN-n1"
	run sandbox-nuke < /dev/null
	[ "$status" -eq 1 ]
	assert_contains "$output" "--yes"
	incus info "agent-$SB_RUN-n1" >/dev/null
	run env SANDBOX_NUKE_ONLY="agent-$SB_RUN-" sandbox-nuke --yes
	[ "$status" -eq 0 ]
	assert_contains "$output" "agent-$SB_RUN-n1: Deleted"
	run incus info "agent-$SB_RUN-n1"
	[ "$status" -ne 0 ]
}

@test "Ctrl-C or SIGTERM during a start undoes it" {
	local n=$SB_RUN-i d sig rc
	for d in 0.2 0.7 1.5; do
		for sig in INT TERM; do
			sandbox-start -q "$n" & pid=$!
			sleep "$d"
			kill -$sig $pid 2>/dev/null || true
			rc=0
			wait $pid || rc=$?
			if [ "$rc" -eq 0 ]; then
				# It finished first: then it must be whole.
				incus info "agent-$n" | grep -q RUNNING
				sandbox-stop -q --rm "$n"
			else
				[ "$rc" -eq 130 ]
				run incus info "agent-$n"
				[ "$status" -ne 0 ]
			fi
		done
	done
}
