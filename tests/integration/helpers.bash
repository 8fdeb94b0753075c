# Shared by every integration test.  Each test file gets a per-run prefix
# for the names it makes, and sb_cleanup removes every instance carrying
# it, pass or fail (call it from teardown or teardown_file).
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export PATH="$ROOT/bin:$PATH" SANDBOX_DATADIR="$ROOT"
export NO_COLOR=1
# `run ! cmd` (a negated check that can fail) needs bats 1.5.
bats_require_minimum_version 1.5.0

# Short, so that NAME stays well under the 57-character limit.
if [ -z "${SB_RUN:-}" ]; then
	SB_RUN="t$(printf '%04x' $((RANDOM % 65536)))"
	export SB_RUN
fi

# Removes every sandbox and instance this run made.
sb_cleanup() {
	local i
	for i in $(incus list --format csv --columns n "^agent-$SB_RUN" \
		   2>/dev/null); do
		sandbox-stop "${i#agent-}" --rm >/dev/null 2>&1 ||
			incus delete --force "$i" >/dev/null 2>&1 || true
	done
}

# Fails the test with a message unless "$1" contains "$2".
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	echo "expected to find: $2" >&2
	echo "in: $1" >&2
	return 1
}

# assert_contains "$1" for each of the other arguments.
assert_contains_all() {
	local out=$1 want
	shift
	for want in "$@"; do
		assert_contains "$out" "$want" || return 1
	done
}

# For setup_file: a private copy of the programs, so that a rebuild of
# bin/ by someone else while the file runs is not "command not found".
sb_private_bin() {
	mkdir -p "$BATS_FILE_TMPDIR/bin"
	cp "$ROOT"/bin/sandbox* "$BATS_FILE_TMPDIR/bin/"
	export PATH="$BATS_FILE_TMPDIR/bin:$PATH"
}

# For setup_file: a HOME of the file's own, with an ed25519 key.
sb_private_home() {
	export HOME="$BATS_FILE_TMPDIR/home"
	mkdir -p "$HOME/.ssh" "$HOME/.sandbox"
	ssh-keygen -q -t ed25519 -N '' -f "$HOME/.ssh/id_ed25519"
}

# Network namespace $1 joined to the host by veth $2 (eth0 inside):
# host side $3, inside $4, both /$5, routed out through the host.
netns_pair() {
	local ns=$1 veth=$2 host_addr=$3 ns_addr=$4 bits=$5
	ip netns add "$ns"
	ip link add "$veth" type veth peer name eth0 netns "$ns"
	ip addr add "$host_addr/$bits" dev "$veth"
	ip link set "$veth" up
	ip -n "$ns" addr add "$ns_addr/$bits" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" route add default via "$host_addr"
}

# Waits (up to $2 seconds, default 20) for a TCP port on localhost to
# answer with an SSH banner.
wait_ssh_banner() {
	local port=$1 t=${2:-20} i
	for ((i = 0; i < t * 10; i++)); do
		if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; head -c 4 <&3" 2>/dev/null | grep -q SSH; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
