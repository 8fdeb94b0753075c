#!/usr/bin/env bats
# The host tools under a hostile sandbox (DESIGN.md, "Trust: the container
# is hostile"): what the container puts in its own files never hangs,
# crashes or leaks host files into sandbox-list, sandbox-domains and
# sandbox-start; under sudo the user's files are read with the user's
# rights.  Every check has a positive control, so it can fail.

load helpers
load fake-github-git

setup_file() {
	FIX=$(mktemp -d /tmp/sb-hostile-XXXXXX)
	chmod 755 "$FIX"
	export FIX
	export A="$SB_RUN-a" B="$SB_RUN-b" C="$SB_RUN-c" R="$SB_RUN-r"
	export SUSER="sbh${SB_RUN:1:6}"
	# A repository on the host that no sandbox may show.
	mkdir -p "$FIX/hostrepo/.git"
	echo "ref: refs/heads/hostbranch$SB_RUN" >"$FIX/hostrepo/.git/HEAD"
	printf '[remote "origin"]\n\turl = git@github.com:hostowner/hostsecret%s.git\n' \
		"$SB_RUN" >"$FIX/hostrepo/.git/config"
	sandbox-start "$A" --quiet
	sandbox-start "$B" --quiet
	# B has a plain repository: the positive control of the REPO column.
	box_repo "$B" "ref: refs/heads/visible" "octo/visible"
}

teardown_file() {
	sb_cleanup
	# Started inside a test, whose FAKE_API_DIR this process never saw.
	[ -f "$FIX/api/api.pid" ] && kill "$(cat "$FIX/api/api.pid")" 2>/dev/null
	userdel -r "$SUSER" >/dev/null 2>&1 || true
	rm -rf "$FIX"
}

# box_repo NAME HEADLINE SLUG: a minimal .git in NAME's workspace.
box_repo() {
	incus exec "agent-$1" -- sh -c "rm -rf /workspace/project &&
		mkdir -p /workspace/project/.git &&
		echo '$2' >/workspace/project/.git/HEAD &&
		printf '[remote \"origin\"]\n\turl = git@github.com:$3.git\n' \
			>/workspace/project/.git/config"
}

# timed_list: sandbox-list under a 30 s guard (a hang fails with 124);
# LIST_SECONDS says how long it took.
timed_list() {
	local t0 t1
	t0=$(date +%s)
	run timeout 30 sandbox-list
	t1=$(date +%s)
	LIST_SECONDS=$((t1 - t0))
}

@test "the REPO column shows a sandbox's own repository (control)" {
	timed_list
	[ "$status" -eq 0 ]
	assert_contains "$output" "octo/visible@visible"
}

@test "a FIFO at .git/config: the list finishes within seconds and lists the others" {
	box_repo "$A" "ref: refs/heads/main" "octo/a"
	incus exec "agent-$A" -- sh -c \
		'rm /workspace/project/.git/config && mkfifo /workspace/project/.git/config'
	timed_list
	[ "$status" -eq 0 ]
	[ "$LIST_SECONDS" -le 10 ]
	assert_contains "$output" "octo/visible@visible"
	# A's REPO cell is unknown, not a hang and not a guess.
	line=$(grep "^$A " <<<"$output")
	[ "$(awk '{print $NF}' <<<"$line")" = "?" ]
}

@test "a FIFO at /run/docker.pid (file API): the list still finishes" {
	incus exec "agent-$A" -- sh -c 'rm -f /run/docker.pid && mkfifo /run/docker.pid'
	timed_list
	incus exec "agent-$A" -- rm -f /run/docker.pid
	[ "$status" -eq 0 ]
	[ "$LIST_SECONDS" -le 15 ]
	assert_contains "$output" "octo/visible@visible"
}

@test "a 2 GiB sparse .git/config is not read" {
	box_repo "$A" "ref: refs/heads/main" "octo/a"
	incus exec "agent-$A" -- truncate -s 2G /workspace/project/.git/config
	timed_list
	[ "$status" -eq 0 ]
	[ "$LIST_SECONDS" -le 10 ]
	line=$(grep "^$A " <<<"$output")
	[ "$(awk '{print $NF}' <<<"$line")" = "?" ]
	assert_contains "$output" "octo/visible@visible"
}

@test "/workspace/project -> a host repository: nothing of it reaches the list" {
	incus exec "agent-$A" -- sh -c \
		"rm -rf /workspace/project && ln -s '$FIX/hostrepo' /workspace/project"
	# Also .git as a symlink and a gitlink pointing at the host.
	incus exec "agent-$B" -- sh -c "mkdir -p /workspace/other &&
		ln -s '$FIX/hostrepo/.git' /workspace/other/.git"
	timed_list
	[ "$status" -eq 0 ]
	[[ "$output" != *hostsecret* ]]
	[[ "$output" != *hostbranch* ]]
	run sandbox-list --json
	[ "$status" -eq 0 ]
	[[ "$output" != *hostsecret* ]]
	[[ "$output" != *hostbranch* ]]
}

@test "sandbox-start --from a sandbox without a repository: a clear error, not a crash" {
	# A's workspace claims an origin; its metadata has none.
	box_repo "$A" "ref: refs/heads/main" "octo/evil"
	run sandbox-start "$C" --from "$A"
	[ "$status" -eq 1 ]
	assert_contains "$output" "has no repository in its metadata"
	[ "${#lines[@]}" -eq 1 ]
	run ! incus info "agent-$C"
}

@test "--from takes the repository from OTHER's metadata, never from its workspace" {
	fake_api_start "$FIX/api"
	incus config set "agent-$A" user.sandbox.repo git@github.com:octo/hello.git
	box_repo "$A" "ref: refs/heads/main" "octo/evil"
	# The key POST fails, so the start stops there: what matters is the
	# repository it asked for.
	fake_api_fail 404 POST
	run sandbox-start "$C" --from "$A"
	incus config unset "agent-$A" user.sandbox.repo
	[ "$status" -eq 1 ]
	grep -q '/repos/octo/hello/keys' "$FAKE_API_DIR/requests.jsonl"
	run ! grep -q evil "$FAKE_API_DIR/requests.jsonl"
	run ! incus info "agent-$C"
}

@test "sandbox-domains --remove a --add b and --remove a --remove b" {
	printf 'a.example.com\nc.example.com\n.d.example.com\n' >"$FIX/list.txt"
	sandbox-start "$R" --quiet --restrict-domains --domains-file "$FIX/list.txt"
	run sandbox-domains "$R" --remove a.example.com --add b.example.com
	[ "$status" -eq 0 ]
	run sandbox-domains "$R" --list
	[ "$status" -eq 0 ]
	assert_contains "$output" "b.example.com"
	[[ "$output" != *a.example.com* ]]
	run sandbox-domains "$R" --remove c.example.com --remove .d.example.com
	[ "$status" -eq 0 ]
	run sandbox-domains "$R" --list
	[ "$status" -eq 0 ]
	[[ "$output" != *c.example.com* ]]
	[[ "$output" != *d.example.com* ]]
	assert_contains "$output" "b.example.com"
}

@test "under sudo, ~/.ssh/id_ed25519.pub -> /etc/shadow is refused" {
	useradd -m "$SUSER"
	home=$(getent passwd "$SUSER" | cut -d: -f6)
	# Control: the user's own key is read and reaches the sandbox.
	su "$SUSER" -c "mkdir -p ~/.ssh && ssh-keygen -q -t ed25519 -N '' -C ctl$SB_RUN -f ~/.ssh/id_ed25519"
	SUDO_USER=$SUSER SUDO_UID=$(id -u "$SUSER") SUDO_GID=$(id -g "$SUSER") \
		run sandbox-start "$C" --quiet
	[ "$status" -eq 0 ]
	run incus exec "agent-$C" -- cat /home/ubuntu/.ssh/authorized_keys
	assert_contains "$output" "ctl$SB_RUN"
	sandbox-stop "$C" --rm >/dev/null
	# The attack: the user points the key at a file only root may read.
	su "$SUSER" -c "rm ~/.ssh/id_ed25519.pub && ln -s /etc/shadow ~/.ssh/id_ed25519.pub"
	SUDO_USER=$SUSER SUDO_UID=$(id -u "$SUSER") SUDO_GID=$(id -g "$SUSER") \
		run sandbox-start "$C"
	[ "$status" -eq 1 ]
	assert_contains "$output" "id_ed25519.pub"
	assert_contains "$output" "Permission denied"
	# Nothing of the target reached any sandbox, and none is left.
	run ! incus info "agent-$C"
	[[ "$output" != *root:* ]]
}
