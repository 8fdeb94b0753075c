# "GitHub" for the credentials tests, all local:
#
#   fake_api_start DIR     the REST API (fake-github-api.py) on 127.0.0.1;
#                          exports GITHUB_API_URL and GH_TOKEN
#   fake_api_fail STATUS [METHOD] [TIMES]   make the next requests fail
#   fake_api_requests      the recorded requests, one JSON object a line
#   fake_git_start DIR     a real OpenSSH sshd in a network namespace of its
#                          own (veth to the host, an address from
#                          198.18.0.0/15) serving bare repositories for
#                          user git; its authorized_keys is what the fake
#                          API received (plus DIR/extra_keys); exports
#                          FAKE_GIT_ADDR and SANDBOX_GITHUB_SSH
#   fake_git_repo OWNER/REPO [BRANCH...]   a bare repository with a first
#                          commit on main and the given extra branches
#   fake_git_stop / fake_api_stop          remove all of it
#
# The user git exists only inside sshd's mount namespace (a bind-mounted
# /etc/passwd), so the host's accounts are never touched.

FAKE_GIT_UID=64999
FAKE_GIT_NS="sbgit-$SB_RUN"
FAKE_GIT_VETH="vg${SB_RUN:1:6}"

fake_api_start() {
	FAKE_API_DIR=$1
	mkdir -p "$FAKE_API_DIR"
	chmod 755 "$FAKE_API_DIR"
	: >"$FAKE_API_DIR/requests.jsonl"
	export GH_TOKEN="ghp_fake${SB_RUN}token"
	unset GITHUB_TOKEN
	# fd 3 closed: bats waits for every holder of its output pipe, and a
	# server a test forgot to stop would hang the whole run.
	/usr/bin/python3 "$BATS_TEST_DIRNAME/fake-github-api.py" \
		--dir "$FAKE_API_DIR" --token "$GH_TOKEN" \
		>"$FAKE_API_DIR/api.log" 2>&1 3>&- </dev/null &
	echo $! >"$FAKE_API_DIR/api.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$FAKE_API_DIR/port" ] && break
		sleep 0.05
	done
	[ -s "$FAKE_API_DIR/port" ] || { cat "$FAKE_API_DIR/api.log" >&2; return 1; }
	export GITHUB_API_URL="http://127.0.0.1:$(cat "$FAKE_API_DIR/port")"
	export FAKE_API_DIR
}

fake_api_stop() {
	[ -n "${FAKE_API_DIR:-}" ] && [ -f "$FAKE_API_DIR/api.pid" ] &&
		kill "$(cat "$FAKE_API_DIR/api.pid")" 2>/dev/null
	return 0
}

# fake_api_fail STATUS [METHOD] [TIMES]
fake_api_fail() {
	local body="{\"status\":$1,\"times\":${3:-1}"
	[ -n "${2:-}" ] && body="$body,\"method\":\"$2\""
	curl -fsS -X POST --data "$body}" "$GITHUB_API_URL/_fake/fail" >/dev/null
}

fake_api_reset() {
	curl -fsS -X POST "$GITHUB_API_URL/_fake/reset" >/dev/null
}

fake_api_requests() {
	cat "$FAKE_API_DIR/requests.jsonl"
}

# Lines "METHOD PATH" of the recorded requests.
fake_api_calls() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["method"], r["path"])' \
		"$FAKE_API_DIR/requests.jsonl"
}

# The id the fake API gave the key whose public blob is $1.
fake_api_key_id() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == "POST" and isinstance(r["body"], dict) and \
       sys.argv[2] in r["body"].get("key", ""):
        print("found")' "$FAKE_API_DIR/requests.jsonl" "$1"
}

fake_git_start() {
	FAKE_GIT_DIR=$1
	local d=$FAKE_GIT_DIR n
	mkdir -p "$d/home"
	chmod 755 "$d" "$d/home"
	# A /30 from 198.19.0.0/16 picked by the run id, so parallel runs
	# rarely meet; the host side is .1, sshd .2.
	n=$(( (0x${SB_RUN:1:4} % 16384) * 4 ))
	FAKE_GIT_HOSTADDR="198.19.$((n / 256)).$((n % 256 + 1))"
	FAKE_GIT_ADDR="198.19.$((n / 256)).$((n % 256 + 2))"
	export FAKE_GIT_ADDR FAKE_GIT_DIR
	export SANDBOX_GITHUB_SSH="$FAKE_GIT_ADDR"

	netns_pair "$FAKE_GIT_NS" "$FAKE_GIT_VETH" "$FAKE_GIT_HOSTADDR" \
		"$FAKE_GIT_ADDR" 30

	ssh-keygen -q -t ed25519 -N '' -f "$d/ssh_host_ed25519_key"
	: >"$d/extra_keys"
	chmod 644 "$d/extra_keys"
	[ -f "${FAKE_API_DIR:-/nonexistent}/authorized_keys" ] ||
		{ echo "start the fake API first" >&2; return 1; }
	cp /etc/passwd "$d/passwd"
	echo "git:x:$FAKE_GIT_UID:$FAKE_GIT_UID:fake github:$d/home:/usr/bin/git-shell" \
		>>"$d/passwd"
	chown "$FAKE_GIT_UID:$FAKE_GIT_UID" "$d/home"
	cat >"$d/sshd_config" <<-EOF
		ListenAddress $FAKE_GIT_ADDR:22
		HostKey $d/ssh_host_ed25519_key
		PidFile $d/sshd.pid
		AuthorizedKeysFile $FAKE_API_DIR/authorized_keys $d/extra_keys
		StrictModes no
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PubkeyAuthentication yes
		AllowUsers git
		PermitRootLogin no
		AllowAgentForwarding no
		AllowTcpForwarding no
		LogLevel VERBOSE
	EOF
	mkdir -p /run/sshd
	# ip netns exec gives sshd a mount namespace of its own (slave to the
	# host's), so the bind mount of passwd stays inside it.
	ip netns exec "$FAKE_GIT_NS" sh -c \
		"mount --bind '$d/passwd' /etc/passwd && exec /usr/sbin/sshd -D -e -f '$d/sshd_config'" \
		>"$d/sshd.log" 2>&1 3>&- </dev/null &
	echo $! >"$d/sshd.ppid"
	local i
	for ((i = 0; i < 100; i++)); do
		if timeout 1 bash -c "exec 3<>/dev/tcp/$FAKE_GIT_ADDR/22; head -c 4 <&3" 2>/dev/null | grep -q SSH; then
			return 0
		fi
		sleep 0.05
	done
	cat "$d/sshd.log" >&2
	return 1
}

# fake_git_repo OWNER/REPO [BRANCH...]
fake_git_repo() {
	local slug=$1 d=$FAKE_GIT_DIR w
	shift
	mkdir -p "$d/home/${slug%/*}"
	git init -q --bare -b main "$d/home/$slug.git"
	w=$(mktemp -d)
	git -C "$w" init -q -b main
	echo "hello from $slug" >"$w/README"
	git -C "$w" add README
	git -C "$w" -c user.name=t -c user.email=t@example.invalid commit -qm first
	git -C "$w" -c safe.directory="*" push -q "$d/home/$slug.git" main
	for b in "$@"; do
		git -C "$w" -c safe.directory="*" push -q "$d/home/$slug.git" "main:refs/heads/$b"
	done
	rm -rf "$w"
	chown -R "$FAKE_GIT_UID:$FAKE_GIT_UID" "$d/home"
}

fake_git_stop() {
	local d=${FAKE_GIT_DIR:-}
	if [ -n "$d" ] && [ -f "$d/sshd.pid" ]; then
		kill "$(cat "$d/sshd.pid")" 2>/dev/null
	fi
	ip netns pids "$FAKE_GIT_NS" 2>/dev/null | xargs -r kill 2>/dev/null
	ip link del "$FAKE_GIT_VETH" 2>/dev/null
	ip netns del "$FAKE_GIT_NS" 2>/dev/null
	return 0
}
