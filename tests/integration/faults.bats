#!/usr/bin/env bats
# Faults, against the real daemon: ten starts at once, sandbox-stop --rm
# interrupted at different moments, the Squid instance killed under a
# restricted sandbox, a start that fails on a real Incus refusal, and (last,
# since every other test depends on the daemon) incusd SIGKILLed in the
# middle of sandbox-start.  After each, nothing of the sandbox may remain:
# no instance, no agent process, pid file or socket, no nftables element
# or Squid ACL naming it, no key on the (fake) GitHub.

load helpers
load fake-github-git

REPO=git@github.com:octo/hello.git

setup_file() {
	sb_private_bin
	sb_private_home
	FIX=$(mktemp -d /tmp/sb-faults-XXXXXX)
	chmod 755 "$FIX"
	export FIX
	fake_api_start "$FIX/api"
	fake_git_start "$FIX/git"
	fake_git_repo octo/hello
}

teardown_file() {
	"$ROOT/setup/incusd.sh" >/dev/null 2>&1
	sb_cleanup
	local f
	for f in /run/sandbox/agents/"$SB_RUN"-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -f /run/sandbox/agents/"$SB_RUN"-*
	fake_git_stop
	fake_api_stop
	rm -rf "$FIX"
}

# Every trace of sandbox $1 on the host, one line each; empty when none.
traces() {
	local n=$1 f
	incus list --format csv -c n "^agent-$n\$" 2>/dev/null
	for f in /run/sandbox/agents/"$n".* /run/sandbox/share/"$n"; do
		[ -e "$f" ] && echo "file $f"
	done
	pgrep -f "ssh-agent.*/run/sandbox/agents/$n\.(d/agent\.)?sock" | sed 's/^/agent process /'
	nft -j list table inet sandbox 2>/dev/null | grep -o "\"comment\": \"$n\"" | sed 's/^/nft /'
	grep -l "sandbox $n\b" /var/lib/sandbox/squid/acl/*.conf 2>/dev/null | sed 's/^/squid acl /'
	curl -s -H "Authorization: Bearer $GH_TOKEN" \
		"$GITHUB_API_URL/repos/octo/hello/keys" |
		python3 -c 'import json,sys
for k in json.load(sys.stdin):
    if k["title"] == "sandbox-" + sys.argv[1]: print("github key", k["id"])' "$n"
}

assert_clean() {
	local t
	t=$(traces "$1")
	[ -z "$t" ] || { echo "left behind for $1:" >&2; echo "$t" >&2; return 1; }
}

# Waits up to $2 seconds for pid $1; its status in $WAITED ("timeout"
# when it did not end, and then it is killed).
wait_bounded() {
	local pid=$1 t=$2 i
	for ((i = 0; i < t * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			WAITED=0
			wait "$pid" || WAITED=$?
			return 0
		fi
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	WAITED=timeout
}

@test "ten sandbox-start at once: ten distinct slots and ports, all answer" {
	local avail i n slots ports
	avail=$(awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
	# Each sandbox runs its own dockerd; about 150 MiB each at rest.
	[ "$avail" -ge 3072 ] || skip "only $avail MiB available"
	for i in $(seq 0 9); do
		sandbox-start -q "$SB_RUN-p$i" >"$BATS_TEST_TMPDIR/p$i.out" 2>&1 &
		eval "pid$i=$!"
	done
	# All of them end before anything is asserted, so teardown never
	# races a start still running.
	local bad=0
	for i in $(seq 0 9); do
		eval "wait_bounded \$pid$i 180"
		[ "$WAITED" = 0 ] || { cat "$BATS_TEST_TMPDIR/p$i.out" >&2; bad=1; }
	done
	[ "$bad" = 0 ]
	slots=$(for i in $(seq 0 9); do incus config get "agent-$SB_RUN-p$i" user.sandbox.slot; done)
	[ "$(sort -u <<<"$slots" | grep -c .)" = 10 ]
	# No port of any sandbox (ours or not) is used twice.
	ports=$(incus list --format csv -c n | while read -r n; do
		incus config show --expanded "$n" 2>/dev/null |
			grep -o 'listen: tcp:[0-9.:]*' || true
	done)
	[ -z "$(sort <<<"$ports" | uniq -d)" ]
	for i in $(seq 0 9); do
		wait_ssh_banner $((2200 + $(sed -n "$((i + 1))p" <<<"$slots"))) 10
	done
	run sandbox-stop -q --rm $(for i in $(seq 0 9); do echo "$SB_RUN-p$i"; done)
	[ "$status" -eq 0 ]
	for i in $(seq 0 9); do
		assert_clean "$SB_RUN-p$i"
	done
}

@test "sandbox-stop --rm interrupted at different moments, then again: clean" {
	local n sig when i pid
	i=0
	for when in 0.3:INT 1.2:TERM stopped:INT stopped:TERM; do
		n=$SB_RUN-s$i
		i=$((i + 1))
		sig=${when#*:}
		when=${when%:*}
		sandbox-start -q "$n" "$REPO"
		[ -n "$(traces "$n")" ]
		sandbox-stop --rm "$n" >"$BATS_TEST_TMPDIR/$n.out" 2>&1 &
		pid=$!
		if [ "$when" = stopped ]; then
			# Right after the container is down: removal of the key
			# and the delete are under way.
			for _ in $(seq 300); do
				[ "$(incus list --format csv -c s "^agent-$n\$")" != RUNNING ] && break
				sleep 0.05
			done
		else
			sleep "$when"
		fi
		kill -s "$sig" "$pid" 2>/dev/null || true
		wait_bounded "$pid" 60
		[ "$WAITED" != timeout ]
		run sandbox-stop --rm "$n"
		if [ "$status" -ne 0 ]; then
			# Only acceptable when the first run got to the end.
			assert_contains "$output" "sandbox '$n' not found"
		fi
		assert_clean "$n"
	done
}

@test "Squid killed under a restricted sandbox: web egress fails closed, start brings it back" {
	local n=$SB_RUN-q pid code
	printf 'allowed.example\n' >"$BATS_TEST_TMPDIR/domains.txt"
	sandbox-start -q "$n" --restrict-domains --domains-file "$BATS_TEST_TMPDIR/domains.txt"
	pid=$(cat /run/sandbox/squid/squid.pid)
	[ -n "$pid" ] && kill -0 "$pid"
	# The master and its kid, by id.
	kill -9 "$pid" $(pgrep -P "$pid") 2>/dev/null
	# Wait for the ports to close.
	for _ in $(seq 50); do
		ss -ltn | grep -q ':3181 ' || break
		sleep 0.1
	done
	[ -z "$(ss -ltn | grep ':3181 ')" ]
	# With Squid dead, 80 and 443 to anywhere are refused (redirected to
	# a closed port, or rejected), never let through.
	for port in 80 443; do
		code=0
		incus exec "agent-$n" -- timeout 5 bash -c \
			"exec 3<>/dev/tcp/198.18.0.1/$port" 2>/dev/null || code=$?
		[ "$code" -ne 0 ]
		[ "$code" -ne 124 ] # refused at once, not silently dropped
	done
	# The next start of a restricted sandbox starts Squid again.
	sandbox-start -q "$SB_RUN-q2" --restrict-domains --domains-file "$BATS_TEST_TMPDIR/domains.txt"
	pid=$(cat /run/sandbox/squid/squid.pid)
	kill -0 "$pid"
	for _ in $(seq 50); do
		ss -ltn | grep -q ':3181 ' && break
		sleep 0.1
	done
	ss -ltn | grep -q ':3181 '
	sandbox-stop -q --rm "$n" "$SB_RUN-q2"
	assert_clean "$n"
	assert_clean "$SB_RUN-q2"
}

@test "a start that fails halfway for real (no such repository to clone) leaves nothing" {
	local n=$SB_RUN-c
	# The key is registered and the container made before the clone
	# fails: everything must be undone, the key on GitHub included.
	run sandbox-start "$n" git@github.com:octo/nosuch.git
	[ "$status" -eq 1 ]
	assert_contains "$output" "sandbox-start: "
	assert_clean "$n"
	[ "$(fake_api_calls | grep -c "^DELETE /repos/octo/nosuch/keys/")" -ge 1 ]
	# The same undo path, forced at every later step.
	for step in create network files sshd creds egress; do
		run env SANDBOX_FAIL_AT=$step sandbox-start "$n" "$REPO"
		[ "$status" -eq 1 ]
		assert_contains "$output" "injected failure at $step"
		assert_clean "$n"
	done
}

@test "a pool that fills up during a start: a clear message and nothing left" {
	local n=$SB_RUN-full pool="${SB_RUN}tiny" prof="${SB_RUN}tinyp" rc=0
	# A profile whose root disk is on a 256 MiB pool: the copy of the
	# golden image (a cross-pool copy, not a snapshot) runs out of room
	# for real.  SANDBOX_PROFILE is the test-only switch to it.
	incus storage create "$pool" btrfs size=256MiB >/dev/null
	incus profile copy sandbox "$prof"
	incus profile device set "$prof" root pool="$pool"
	run env SANDBOX_PROFILE="$prof" sandbox-start "$n"
	rc=$status
	local out=$output
	incus profile delete "$prof" >/dev/null 2>&1 || true
	incus storage delete "$pool" >/dev/null 2>&1 || true
	[ "$rc" -eq 1 ] || { echo "$out" >&2; false; }
	assert_contains "$out" "sandbox-start: starting '$n': creating agent-$n"
	[ "$(printf '%s\n' "$out" | grep -c '^sandbox-start: ')" -eq 1 ]
	assert_clean "$n"
}

# Last: it takes the daemon away from everything else for a few seconds.
@test "incusd killed during sandbox-start: clear error, then the same start works" {
	local n=$SB_RUN-k pid out
	sandbox-start "$n" "$REPO" >"$BATS_TEST_TMPDIR/k.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		incus info "agent-$n" >/dev/null 2>&1 && break
		sleep 0.05
	done
	kill -9 "$(curl -s --unix-socket /var/lib/incus/unix.socket http://incus/1.0 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["environment"]["server_pid"])')"
	wait_bounded "$pid" 60
	out=$(cat "$BATS_TEST_TMPDIR/k.out")
	"$ROOT/setup/incusd.sh"
	incus admin waitready --timeout 60
	[ "$WAITED" = 1 ] || { echo "start ended with $WAITED: $out" >&2; false; }
	assert_contains "$(tail -1 <<<"$out")" "sandbox-start: "
	assert_contains "$(tail -1 <<<"$out")" "Incus"
	# The same command again, once the daemon is back.
	run sandbox-start "$n" "$REPO"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	[ "$(incus list --format csv -c s "^agent-$n\$")" = RUNNING ]
	incus exec "agent-$n" -- test -f /workspace/project/README
	[ "$(curl -s -H "Authorization: Bearer $GH_TOKEN" \
		"$GITHUB_API_URL/repos/octo/hello/keys" | grep -o "\"sandbox-$n\"" | wc -l)" = 1 ]
	run sandbox-stop --rm "$n"
	[ "$status" -eq 0 ]
	assert_clean "$n"
}
