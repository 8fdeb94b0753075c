#!/usr/bin/env bats
# sandbox-domains: a running restricted sandbox's allowlist changes at
# once, without a restart; bad names change nothing; --rm forgets it.

load helpers
load netns

SQUID_DIR=/var/lib/sandbox/squid
R="$SB_RUN-d"

# Names resolve through the bridge's DNS (netns.bash), as a user's would.
https_get() { # HOST
	incus exec "agent-$R" -- curl -fsS -m 8 -k "https://$1/"
}

setup_file() {
	netns_up
	netns_dns_add "$ALLOWED" "$INET_ADDR"
	netns_dns_add "$DENIED" "$INET_ADDR"
	printf '%s\n' "$ALLOWED" >"$BATS_FILE_TMPDIR/allow.txt"
	sandbox-start "$R" --domains-file "$BATS_FILE_TMPDIR/allow.txt" -q
}

teardown_file() {
	sb_cleanup
	netns_dns_down
	netns_down
}

@test "--list shows the list and its source" {
	run sandbox-domains "$R"
	[ "$status" -eq 0 ]
	assert_contains "$output" "egress filtered"
	assert_contains "$output" "$BATS_FILE_TMPDIR/allow.txt"
	assert_contains "$output" "$ALLOWED"
	# The same as JSON and CSV, as every program that lists takes them.
	run sandbox-domains "$R" --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.domains[0]')" = "$ALLOWED" ]
	[ "$(echo "$output" | jq -r '.egress')" = filtered ]
	run sandbox-domains "$R" --format csv
	[ "$output" = "$ALLOWED" ]
	run sandbox-domains "$R" --format yaml
	[ "$status" -eq 2 ]
	assert_contains "$output" "'yaml' must be table, json, or csv"
	run sandbox-domains "$R" --json --add x.test
	[ "$status" -eq 2 ]
}

@test "--add opens a name at once and --remove closes it, without a restart" {
	local started
	started=$(incus query "/1.0/instances/agent-$R/state" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["pid"])')
	run https_get "$DENIED"
	[ "$status" -ne 0 ]
	run sandbox-domains "$R" --add "$DENIED"
	[ "$status" -eq 0 ]
	[ "$(incus config get "agent-$R" user.sandbox.domains-file)" = \
	  /var/lib/sandbox/domains/$R.txt ]
	# The user's own file is left as it was.
	[ "$(cat "$BATS_FILE_TMPDIR/allow.txt")" = "$ALLOWED" ]
	for _ in $(seq 30); do https_get "$DENIED" >/dev/null 2>&1 && break; sleep 0.2; done
	run https_get "$DENIED"
	[ "$status" -eq 0 ]
	assert_contains "$output" "page for $DENIED"
	run sandbox-domains "$R" --remove "$DENIED"
	[ "$status" -eq 0 ]
	for _ in $(seq 30); do https_get "$DENIED" >/dev/null 2>&1 || break; sleep 0.2; done
	run https_get "$DENIED"
	[ "$status" -ne 0 ]
	run https_get "$ALLOWED"
	[ "$status" -eq 0 ]
	# Same container process: nothing was restarted.
	[ "$(incus query "/1.0/instances/agent-$R/state" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["pid"])')" = "$started" ]
}

@test "bad names and unknown removals change nothing" {
	local before
	before=$(cat /var/lib/sandbox/domains/$R.txt)
	for bad in '*.example.com' 10.0.0.1 example.com:443 'café.example' \
		   'http://x.test/' localhost ''; do
		run sandbox-domains "$R" --add "$bad" --add fine.test
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
	done
	run sandbox-domains "$R" --remove never.test
	[ "$status" -eq 1 ]
	assert_contains "$output" "'never.test' is not in the list"
	[ "$(cat /var/lib/sandbox/domains/$R.txt)" = "$before" ]
	run sandbox-domains "$R" --list --add x.test
	[ "$status" -eq 2 ]
	run sandbox-domains "nosuch-$SB_RUN" --add x.test
	[ "$status" -eq 1 ]
	assert_contains "$output" "sandbox-start nosuch-$SB_RUN"
}

@test "an open sandbox refuses edits; --rm forgets the sandbox's list" {
	sandbox-start -q "$SB_RUN-open"
	run sandbox-domains "$SB_RUN-open" --add x.test
	[ "$status" -eq 1 ]
	assert_contains "$output" "open"
	sandbox-stop -q --rm "$SB_RUN-open"
	sandbox-stop -q --rm "$R"
	[ ! -e "/var/lib/sandbox/domains/$R.txt" ]
}
