#!/usr/bin/env bats
# Deploy keys, the per-sandbox agent, clone, --branch, --from, --ssh-key,
# rotation and removal, against a fake GitHub made of a recording HTTP
# server (fake-github-api.py) and a real OpenSSH sshd in a network
# namespace serving bare repositories (fake-github-git.bash).  The
# sandboxes reach it as github.com through SANDBOX_GITHUB_SSH.

load helpers
load fake-github-git

REPO=git@github.com:octo/hello.git

setup_file() {
	FIX=$(mktemp -d /tmp/sb-creds-XXXXXX)
	chmod 755 "$FIX"
	export FIX
	touch "$FIX/marker"
	fake_api_start "$FIX/api"
	fake_git_start "$FIX/git"
	fake_git_repo octo/hello dev
	export A="$SB_RUN-a" B="$SB_RUN-b" C="$SB_RUN-c" D="$SB_RUN-d" \
	       E="$SB_RUN-e"
}

teardown_file() {
	# The fake API must still answer here: --rm deletes the keys.
	sb_cleanup
	local n
	for n in "$A" "$B" "$C" "$D" "$E"; do
		[ -f "/run/sandbox/agents/$n.pid" ] &&
			kill "$(cat "/run/sandbox/agents/$n.pid")" 2>/dev/null
		rm -f "/run/sandbox/agents/$n.sock" "/run/sandbox/agents/$n.pid"
	done
	fake_git_stop
	fake_api_stop
	rm -rf "$FIX"
}

# in_box NAME CMD...: run CMD as ubuntu in the workspace.
in_box() {
	local n=$1
	shift
	incus exec "agent-$n" --user 1000 --group 1000 \
		--cwd /workspace/project --env HOME=/home/ubuntu -- "$@"
}

api_key() { # api_key ID: the fake API's record of key ID, or "404"
	curl -s -H "Authorization: Bearer $GH_TOKEN" \
		-o /dev/null -w '%{http_code}\n' \
		"$GITHUB_API_URL/repos/octo/hello/keys/$1"
}

api_key_line() { # api_key_line ID: the public key registered under ID
	curl -fsS -H "Authorization: Bearer $GH_TOKEN" \
		"$GITHUB_API_URL/repos/octo/hello/keys/$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}

# The 40 base64 characters that any OpenSSH-format private key file for
# the ed25519 public key $1 contains (they encode 30 bytes of the public
# key at the offset it has inside the private file; the public line
# encodes it at another alignment, so authorized_keys never matches).
key_sig() {
	python3 -c 'import base64,sys
blob = base64.b64decode(sys.argv[1].split()[1])
def s(b): return len(b).to_bytes(4, "big") + b
st = b"openssh-key-v1\0" + s(b"none") + s(b"none") + s(b"") + \
     (1).to_bytes(4, "big") + s(blob)
print(base64.b64encode(st[:93]).decode()[84:124])' "$1"
}

rootfs() {
	echo /var/lib/incus/storage-pools/*/containers/"agent-$1"/rootfs
}

# Files under the host's home and /tmp written since the tests began that
# contain $1 (fixed string), except the file $2.
host_files_with() {
	find /root /tmp -xdev -type f -newer "$FIX/marker" -size -20M \
		! -path "${2:-/nonexistent}" -print0 2>/dev/null |
		xargs -0 -r grep -lsF -D skip -- "$1" || true
}

@test "clone and push through the agent; one key; the private key is in no file" {
	run sandbox-start "$A" "$REPO" --cache
	[ "$status" -eq 0 ] || { echo "$output"; false; }

	run in_box "$A" cat README
	[ "$output" = "hello from octo/hello" ]

	# Exactly one key, the one registered on GitHub under the stored id.
	keys=$(in_box "$A" ssh-add -L)
	[ "$(echo "$keys" | wc -l)" -eq 1 ]
	id=$(incus config get "agent-$A" user.sandbox.deploy-key-id)
	[ -n "$id" ]
	[ "$(api_key_line "$id" | awk '{print $2}')" = "$(echo "$keys" | awk '{print $2}')" ]
	fake_api_calls | grep -qx "POST /repos/octo/hello/keys"
	# Title and write access as asked.
	grep -q "\"title\": \"sandbox-$A\"" "$FAKE_API_DIR/requests.jsonl"
	grep -q '"read_only": false' "$FAKE_API_DIR/requests.jsonl"
	# The token never reached the record in clear.
	run ! grep -qF "$GH_TOKEN" "$FAKE_API_DIR/requests.jsonl"

	# Push works and lands in the bare repository.
	in_box "$A" sh -c "git -c user.name=t -c user.email=t@example.invalid \
		commit -q --allow-empty -m 'pushed from $A' && git push -q origin HEAD:main"
	run git -c safe.directory='*' --git-dir="$FAKE_GIT_DIR/home/octo/hello.git" \
		log -1 --format=%s main
	[ "$output" = "pushed from $A" ]

	# The socket is uid 1000's alone; sandbox --cmd has SSH_AUTH_SOCK.
	run incus exec "agent-$A" --user 65534 --group 65534 -- \
		env SSH_AUTH_SOCK=/run/ssh-agent.sock ssh-add -l
	[ "$status" -ne 0 ]
	assert_contains "$output" "Permission denied"
	run sandbox "$A" --cmd 'ssh-add -L'
	assert_contains "$output" "$(echo "$keys" | awk '{print $2}')"
	run sandbox-list
	assert_contains "$(echo "$output" | grep "^$A ")" " ok "

	# The private key's text is in no file: not in the container's root
	# filesystem, not under the host's home or /tmp.
	sig=$(key_sig "$keys")
	[ ${#sig} -eq 40 ]
	found=$(grep -rlsF -D skip -- "$sig" "$(rootfs "$A")" || true)
	[ -z "$found" ] || { echo "key text in: $found"; false; }
	[ -z "$(host_files_with "$sig")" ]
	# Nor anything shaped like a private key but the sshd's host keys.
	found=$(grep -rlsI -D skip -- '^-----BEGIN OPENSSH PRIVATE KEY-----$' \
		"$(rootfs "$A")" |
		grep -v '/etc/ssh/ssh_host_' || true)
	[ -z "$found" ] || { echo "private keys in: $found"; false; }
}

@test "the agent runs as the container's uid 1000, with no token, no provider and no forkproxy" {
	pid=$(cat "/run/sandbox/agents/$A.pid")
	env=$(tr '\0' '\n' <"/proc/$pid/environ")
	assert_contains "$env" "PATH="
	[[ "$env" != *"$GH_TOKEN"* ]]
	[[ "$env" != *GH_TOKEN=* ]]
	# Started with a provider pattern that matches nothing.
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = \
	  "ssh-agent -s -P !* -a /run/sandbox/agents/$A.d/agent.sock " ]
	# Not root: the host uid the container's uid 1000 maps to.
	base=$(incus config get "agent-$A" volatile.idmap.current |
		jq -r '.[] | select(.Isuid) | .Hostid')
	[ "$(stat -c %u "/proc/$pid")" = $((base + 1000)) ]
	# Whoever reaches the socket cannot make it load a library.
	run env SSH_AUTH_SOCK="/run/sandbox/agents/$A.sock" \
		ssh-add -s /usr/lib/x86_64-linux-gnu/libc.so.6 </dev/null
	[ "$status" -ne 0 ]
	assert_contains "$output" "agent refused"
	# Inside: a disk device, read-only, of a directory that is root's on
	# the host; the socket is uid 1000's; no forkproxy serves it.
	[ "$(incus config device get "agent-$A" ssh-agent type)" = disk ]
	init=$(incus query "/1.0/instances/agent-$A/state" | jq -r .pid)
	run pgrep -f "forkproxy.* $init "
	[ "$status" -ne 0 ]
	[ "$(in_box "$A" readlink /run/ssh-agent.sock)" = /var/lib/sandbox-agent/agent.sock ]
	[ "$(in_box "$A" stat -c %U /var/lib/sandbox-agent/agent.sock)" = ubuntu ]
	run incus exec "agent-$A" -- rm -f /var/lib/sandbox-agent/agent.sock
	[ "$status" -ne 0 ]
	run incus exec "agent-$A" -- touch /var/lib/sandbox-agent/planted
	[ "$status" -ne 0 ]
	[ ! -e "/run/sandbox/share/$A/planted" ]
	# The agent's own check: uid 1000 uses it, the container's root
	# (another host uid) does not.
	run incus exec "agent-$A" -- env SSH_AUTH_SOCK=/run/ssh-agent.sock ssh-add -l
	[ "$status" -ne 0 ]
	run sandbox "$A" --cmd 'ssh-add -l'
	[ "$status" -eq 0 ]
	assert_contains "$output" "ED25519"
}

@test "--from inherits the repository and --cache but gets a key of its own; --branch creates a missing branch" {
	run sandbox-start "$B" --from "$A" --branch "new-$SB_RUN"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(incus config get "agent-$B" user.sandbox.repo)" = "$REPO" ]
	# A was made with --cache: B inherits it.
	[ "$(incus config get "agent-$B" user.sandbox.cache)" = yes ]
	ida=$(incus config get "agent-$A" user.sandbox.deploy-key-id)
	idb=$(incus config get "agent-$B" user.sandbox.deploy-key-id)
	[ -n "$idb" ] && [ "$ida" != "$idb" ]
	ka=$(in_box "$A" ssh-add -L | awk '{print $2}')
	kb=$(in_box "$B" ssh-add -L | awk '{print $2}')
	[ -n "$kb" ] && [ "$ka" != "$kb" ]
	run in_box "$B" git branch --show-current
	[ "$output" = "new-$SB_RUN" ]
}

@test "restart after the agent was killed rotates the key" {
	old=$(incus config get "agent-$A" user.sandbox.deploy-key-id)
	oldkey=$(in_box "$A" ssh-add -L | awk '{print $2}')
	kill "$(cat "/run/sandbox/agents/$A.pid")"
	run sandbox-list
	assert_contains "$(echo "$output" | grep "^$A ")" " none "
	# As after a host reboot: the container stops, the agent is gone.
	incus stop --force "agent-$A"

	run sandbox-start "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	new=$(incus config get "agent-$A" user.sandbox.deploy-key-id)
	[ -n "$new" ] && [ "$new" != "$old" ]
	fake_api_calls | grep -qx "DELETE /repos/octo/hello/keys/$old"
	[ "$(api_key "$old")" = 404 ]
	[ "$(api_key "$new")" = 200 ]
	keys=$(in_box "$A" ssh-add -L)
	[ "$(echo "$keys" | wc -l)" -eq 1 ]
	[ "$(echo "$keys" | awk '{print $2}')" != "$oldkey" ]
	in_box "$A" git fetch -q origin
}

@test "a sandbox whose agent came through a proxy device gets the shared directory at restart" {
	sandbox-stop "$A" -q
	# What an earlier version made: a unix proxy device (a forkproxy).
	incus config device remove "agent-$A" ssh-agent >/dev/null
	incus config device add "agent-$A" ssh-agent proxy bind=instance \
		listen=unix:/run/ssh-agent.sock \
		connect=unix:/run/sandbox/agents/$A.sock uid=1000 gid=1000 \
		mode=0600 >/dev/null
	run sandbox-start "$A"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(incus config device get "agent-$A" ssh-agent type)" = disk ]
	[ "$(in_box "$A" ssh-add -L | wc -l)" -eq 1 ]
	in_box "$A" git fetch -q origin
	# A reboot from inside keeps the link (tmpfiles.d).
	incus restart "agent-$A"
	for _ in $(seq 50); do
		in_box "$A" ssh-add -l >/dev/null 2>&1 && break
		sleep 0.2
	done
	[ "$(in_box "$A" ssh-add -L | wc -l)" -eq 1 ]
}

@test "--rm deletes the key on GitHub and ends the agent" {
	id=$(incus config get "agent-$B" user.sandbox.deploy-key-id)
	[ "$(api_key "$id")" = 200 ]
	run sandbox-stop "$B" --rm
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	fake_api_calls | grep -qx "DELETE /repos/octo/hello/keys/$id"
	[ "$(api_key "$id")" = 404 ]
	run ! incus info "agent-$B"
	[ ! -e "/run/sandbox/agents/$B.sock" ]
	[ ! -e "/run/sandbox/agents/$B.pid" ]
}

@test "a 404 from the API stops the start with a clear message and leaves nothing" {
	fake_api_fail 404 POST
	run sandbox-start "$C" "$REPO"
	[ "$status" -eq 1 ]
	assert_contains "$output" "the repository does not exist or the token from GH_TOKEN has no admin access"
	assert_contains "$output" "octo/hello"
	run ! incus info "agent-$C"
	[ ! -e "/run/sandbox/agents/$C.sock" ]
	[ ! -e "/run/sandbox/agents/$C.pid" ]
	run ! pgrep -f "ssh-agent .*/$C.sock"
	[ "$(incus config get "agent-$A" user.sandbox.deploy-key-id 2>/dev/null)" != "" ]
}

@test "--ssh-key uses the user's key without calling the API and never copies it; --branch checks out an existing branch" {
	ssh-keygen -q -t ed25519 -N '' -C fixture -f "$FIX/userkey"
	cat "$FIX/userkey.pub" >>"$FAKE_GIT_DIR/extra_keys"
	before=$(wc -l <"$FAKE_API_DIR/requests.jsonl")
	run sandbox-start "$D" "$REPO" --ssh-key "$FIX/userkey" --branch dev
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(wc -l <"$FAKE_API_DIR/requests.jsonl")" -eq "$before" ]
	[ -z "$(incus config get "agent-$D" user.sandbox.deploy-key-id)" ]
	run in_box "$D" git branch --show-current
	[ "$output" = dev ]
	[ "$(in_box "$D" ssh-add -L | awk '{print $2}')" = "$(awk '{print $2}' "$FIX/userkey.pub")" ]
	# Its text is in no file but the fixture: neither the public part as
	# a private key file holds it nor a line of the secret part.
	sig=$(key_sig "$(cat "$FIX/userkey.pub")")
	grep -qF -- "$sig" "$FIX/userkey"
	body=$(sed -n 4p "$FIX/userkey")
	[ ${#body} -ge 60 ]
	for t in "$sig" "$body"; do
		found=$(grep -rlsF -D skip -- "$t" "$(rootfs "$D")" || true)
		[ -z "$found" ] || { echo "key text in: $found"; false; }
		[ -z "$(host_files_with "$t" "$FIX/userkey")" ]
	done
	# --rm leaves the user's own key alone on GitHub.
	run sandbox-stop "$D" --rm
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$FAKE_API_DIR/requests.jsonl")" -eq "$before" ]
}

@test "a failed clone shows git's error and removes the sandbox and its key" {
	run sandbox-start "$E" git@github.com:octo/missing.git
	[ "$status" -eq 1 ]
	assert_contains "$output" "does not appear to be a git repository"
	run ! incus info "agent-$E"
	[ ! -e "/run/sandbox/agents/$E.sock" ]
	fake_api_calls | grep -qx "POST /repos/octo/missing/keys"
	fake_api_calls | grep -qE "^DELETE /repos/octo/missing/keys/[0-9]+$"
	run curl -s -H "Authorization: Bearer $GH_TOKEN" \
		"$GITHUB_API_URL/repos/octo/missing/keys"
	[ "$output" = "[]" ]
}

@test "--rm without a token still removes the sandbox and says what is left on GitHub" {
	id=$(incus config get "agent-$A" user.sandbox.deploy-key-id)
	[ "$(api_key "$id")" = 200 ]
	run env -u GH_TOKEN -u GITHUB_TOKEN PATH="$ROOT/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		sandbox-stop "$A" --rm
	echo "$output"
	assert_contains "$output" "deploy key $id on octo/hello was not deleted"
	assert_contains "$output" "https://github.com/octo/hello/settings/keys"
	run ! incus info "agent-$A"
	[ ! -e "/run/sandbox/agents/$A.sock" ]
	[ "$(api_key "$id")" = 200 ]
}
