#!/usr/bin/env bats
# Hostile arguments and files for every program, table-driven.  Each bad
# value must be refused with one error line that names it, exit status 1
# or 2, and nothing changed: the instance list, the sandbox profile, the
# whole nftables ruleset, the agents directory, Squid's ACLs and the fake
# GitHub API's request log are compared before and after every case.
# Values that are legitimately accepted (an env file value with $(...),
# say) must instead reach the container byte for byte.

load helpers
load fake-github-git

setup_file() {
	sb_private_bin
	sb_private_home
	# A token and an API that records every request: a refused
	# repository must never reach GitHub.
	fake_api_start "$BATS_FILE_TMPDIR/api"
	export OK="$SB_RUN-ok"
}

teardown_file() {
	sb_cleanup
	fake_api_stop
}

# Everything a refused command must leave alone.  "M" lines can only
# change through this file's commands (our names, the profile, agents,
# Squid's ACLs, the fake API's log); "G" lines are the whole host (every
# instance, the whole ruleset), which other test runs on a shared daemon
# may change too.
snapshot() {
	local all
	all=$(incus list --format csv -c nstS 2>/dev/null | sort)
	grep -E "^(agent-$SB_RUN|golden-)" <<<"$all" | sed 's/^/M /'
	incus profile show sandbox | sed '/^used_by:/,$d; s/^/M /'
	ls /run/sandbox/agents 2>/dev/null | grep -- "^$SB_RUN" | sed 's/^/M /'
	echo "M api $(md5sum <"$FAKE_API_DIR/requests.jsonl")"
	sed 's/^/G /' <<<"$all"
	incus profile show sandbox | sed 's/^/G /'
	ls -l /run/sandbox/agents 2>/dev/null | grep -v '^total' | sed 's/^/G /'
	ls /var/lib/sandbox/squid/acl 2>/dev/null | sort | sed 's/^/G /'
	echo "G nft $(nft list ruleset | md5sum)"
}

FAILS=()

# bad NEEDLE PROGRAM ARGS...: runs the program and records a failure
# unless it exits 1 or 2 with exactly one error line ("PROGRAM: ...",
# apart from the usual "Try '... --help'" hint) that contains NEEDLE, and
# nothing changed.  When only the "G" part changed, the case is run again
# (up to five times): a refused command changes nothing however often it
# runs, while a shared daemon settles between two tries.
bad() {
	local needle=$1 prog=$2 out st before after try lines
	shift
	for try in 1 2 3 4 5; do
		before=$(snapshot)
		st=0
		out=$(timeout 60 "$@" 2>&1 </dev/null) || st=$?
		after=$(snapshot)
		if [ "$(grep '^M' <<<"$before")" != "$(grep '^M' <<<"$after")" ]; then
			FAILS+=("$(printf '%q ' "$@"): changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>] M' | head -5)")
			break
		fi
		[ "$before" = "$after" ] && break
		[ "$try" -lt 5 ] ||
			FAILS+=("$(printf '%q ' "$@"): changed the host: $(diff <(echo "$before") <(echo "$after") | head -5)")
	done
	lines=$(printf '%s\n' "$out" | grep -vc "^Try '$prog --help'" || true)
	if [ "$st" != 1 ] && [ "$st" != 2 ]; then
		FAILS+=("$(printf '%q ' "$@"): exit $st: $out")
	elif [ "$lines" != 1 ] || [[ "$out" != "$prog: "* ]]; then
		FAILS+=("$(printf '%q ' "$@"): not one '$prog:' line: $out")
	elif [[ "$out" != *"$needle"* ]]; then
		FAILS+=("$(printf '%q ' "$@"): does not name $needle: $out")
	fi
}

report() {
	local f
	[ ${#FAILS[@]} -eq 0 ] && return 0
	for f in "${FAILS[@]}"; do
		echo "FAIL: $f" >&2
	done
	return 1
}

long=$(printf 'x%.0s' $(seq 58))

# Names every program refuses, with what the message shows for each.
NAMES=("$long" "a.b" "a/b" "a b" "-x" "x-" "café" "" "a_b" "../x"
       $'x\ny' $'x\e[31my' "x;id" '$(id)')
shown() { # how a message quotes $1 (control bytes as \xNN)
	local s=${1//$'\n'/\\x0a}
	printf '%s' "${s//$'\e'/\\x1b}"
}

@test "names: every program refuses bad names and changes nothing" {
	local n
	for n in "${NAMES[@]}"; do
		local q="'$(shown "$n")'"
		[ -n "$n" ] || q="must not be empty"
		bad "$q" sandbox-start -- "$n"
		bad "$q" sandbox-stop -- "$n"
		bad "$q" sandbox-stop --rm -- "$n"
		bad "$q" sandbox-expose -- "$n" 5432
		bad "$q" sandbox -- "$n"
		bad "$q" sandbox --cmd true -- "$n"
		bad "$q" sandbox --ssh-config -- "$n"
		bad "$q" sandbox-start "$SB_RUN-f" --from "$n"
	done
	bad "'$SB_RUN-f'" sandbox-start "$SB_RUN-f" --from "$SB_RUN-f"
	bad "'$SB_RUN-nosuch'" sandbox-start "$SB_RUN-f" --from "$SB_RUN-nosuch"
	report
}

@test "ports, slots and other numbers: out of range and malformed" {
	local p
	for p in 0 65536 -1 22x "" " 22" "22 " 0x50 +22 99999999999999999999 \
		 $'22\n'; do
		bad "'$(shown "$p")'" sandbox-expose -- "$SB_RUN-x" "$p"
		bad "'$(shown "$p")'" sandbox-expose -- "$SB_RUN-x" 5432 --host-port "$p"
	done
	bad "'sctp'" sandbox-expose "$SB_RUN-x" 5432 sctp
	bad "'TCP;'" sandbox-expose "$SB_RUN-x" 5432 'TCP;'
	for p in 0 100 -1 1x "" " 5" 1e1 $'1\n'; do
		bad "'$(shown "$p")'" sandbox-start "$SB_RUN-x" --slot "$p"
	done
	for p in -1 1x 3601 ""; do
		bad "'$p'" sandbox-stop "$SB_RUN-x" --grace "$p"
	done
	for p in 0 65 -1 x; do
		bad "'$p'" sandbox --cmd true --parallel "$p" "$SB_RUN-x"
	done
	for p in 0 -1 1x 0-x ,1; do
		bad "'$p'" sandbox-start "$SB_RUN-x" --cpu "$p"
	done
	for p in 0 lots 101% 1PiB -1GiB 1.5GiB; do
		bad "'$p'" sandbox-start "$SB_RUN-x" --memory "$p"
	done
	report
}

@test "flags, extra arguments and option values of every program" {
	local prog
	for prog in sandbox-start sandbox-stop sandbox-list sandbox-expose \
		    sandbox-nuke sandbox-setup sandbox; do
		bad "'--bogus'" "$prog" --bogus
	done
	bad "'extra'" sandbox-list extra
	bad "'extra'" sandbox-nuke extra
	bad "'extra'" sandbox-setup extra
	bad "'c'" sandbox-start "$SB_RUN-x" b c
	bad "'extra'" sandbox-expose "$SB_RUN-x" 5432 tcp extra
	bad "NAME" sandbox-start
	bad "NAME" sandbox-stop
	bad "PORT" sandbox-expose "$SB_RUN-x"
	bad "'nosuch'" sandbox-start "$SB_RUN-x" --stack nosuch
	bad "'../x'" sandbox-start "$SB_RUN-x" --stack ../x
	bad "'BASE'" sandbox-start "$SB_RUN-x" --stack BASE
	bad "'X'" sandbox-start "$SB_RUN-x" --env X
	bad "''" sandbox-start "$SB_RUN-x" --env =x
	bad "'1BAD'" sandbox-start "$SB_RUN-x" --env 1BAD=x
	bad "'A\\x0aB'" sandbox-start "$SB_RUN-x" --env $'A\nB=x'
	bad "--branch" sandbox-start "$SB_RUN-x" --branch dev
	bad "--ssh-key" sandbox-start "$SB_RUN-x" --ssh-key /nonexistent
	bad "'10.0.0.0/33'" sandbox-start "$SB_RUN-x" --allow-cidr 10.0.0.0/33
	bad "'fd00::/8'" sandbox-start "$SB_RUN-x" --allow-cidr fd00::/8
	bad "'foo'" sandbox-start "$SB_RUN-x" --allow-cidr foo
	bad "'-oProxyCommand=x'" sandbox --ssh-config --jump -oProxyCommand=x "$SB_RUN-x"
	# sandbox-setup checks every value before it changes anything (no
	# --rebuild with a real stack here: that would delete golden-base).
	bad "'nosuch'" sandbox-setup --stack nosuch
	bad "'../base'" sandbox-setup --stack ../base
	bad "'nosuch'" sandbox-setup --rebuild nosuch
	bad "'base;x'" sandbox-setup --rebuild 'base;x'
	bad "'foo'" sandbox-setup --base foo
	bad "'images:'" sandbox-setup --base images:
	bad "'images:a b'" sandbox-setup --base 'images:a b'
	bad "'ftp://x'" sandbox-setup --mirror ftp://x
	bad "'not a url'" sandbox-setup --mirror 'not a url'
	bad "'lots'" sandbox-setup --pool-size lots
	bad "'0'" sandbox-setup --pool-size 0
	bad "'Trixie'" sandbox-setup --release Trixie
	bad "'rubygems'" sandbox-setup --clear-cache rubygems
	bad "'-1GiB'" sandbox-setup --pool-size -1GiB
	# Without --yes and without a terminal, nuke refuses.
	bad "--yes" sandbox-nuke
	report
}

@test "repository URLs that are not GitHub or carry extra parts" {
	local r
	for r in https://gitlab.com/a/b git@gitlab.com:a/b.git \
		 https://github.com/a/b/tree/main https://github.com/a/b/c \
		 git@github.com:a/b/c.git https://github.com/a \
		 https://github.com/../b 'https://github.com/a/b?x=1' \
		 'https://github.com/a/b#frag' http://github.com/a/b \
		 'git@github.com:a/b.git;id' 'https://github.com/a b/c' \
		 https://github.com/-a/b file:///etc/passwd /tmp/repo \
		 https://github.com/a/.. https://github.com.evil.example/a/b \
		 'https://github.com/a/b/../../c/d' 'github.com/a/b' \
		 $'https://github.com/a/b\n'; do
		bad "'$(shown "$r")'" sandbox-start "$SB_RUN-x" "$r"
	done
	# User names and passwords are masked, never echoed.
	bad "'https://***@github.com/a/b'" sandbox-start "$SB_RUN-x" \
		https://user:pw@github.com/a/b
	[ ! -s "$FAKE_API_DIR/requests.jsonl" ]
	report
}

# env FILE-CONTENT NEEDLE: a ~/.sandbox/env that must be refused.
env_bad() {
	printf '%b' "$1" >"$HOME/.sandbox/env"
	bad "$2" sandbox-start "$SB_RUN-x"
}

@test "env files that are refused name the line and key, never a value" {
	env_bad 'A=x\0y\n' "env:1: line contains a NUL byte"
	env_bad 'OK=1\n1A=secret\n' "env:2: invalid key '1A'"
	env_bad 'A B=secret\n' "invalid key 'A B'"
	env_bad 'A-B=secret\n' "invalid key 'A-B'"
	env_bad '=secret\n' "invalid key ''"
	env_bad 'noequals\n' "'noequals'"
	env_bad '\xff\xfe=1\n' "invalid key '\\xff\\xfe'"
	printf 'A=%s\n' "$(head -c 70000 /dev/zero | tr '\0' s)" >"$HOME/.sandbox/env"
	bad "env:1: line is longer than 65536 bytes" sandbox-start "$SB_RUN-x"
	for f in "${FAILS[@]}"; do
		[[ "$f" != *secret* ]] || FAILS+=("a value leaked: $f")
	done
	rm -f "$HOME/.sandbox/env"
	report
}

@test "allowlists with wildcards, addresses, ports and unicode are refused" {
	local f=$BATS_TEST_TMPDIR/domains.txt
	dom_bad() {
		printf '%b' "$1" >"$f"
		bad "$2" sandbox-start "$SB_RUN-x" --domains-file "$f"
	}
	dom_bad '*.example.com\n' "'*.example.com': wildcards"
	dom_bad 'ok.example\n10.0.0.1\n' "domains.txt:2: invalid domain '10.0.0.1'"
	dom_bad '[::1]\n' "'[::1]'"
	dom_bad '::1\n' "'::1'"
	dom_bad 'example.com:443\n' "'example.com:443': ports"
	dom_bad 'café.example\n' "'caf\\xc3\\xa9.example': non-ASCII"
	dom_bad 'https://example.com/\n' "'https://example.com/'"
	dom_bad 'example.com/path\n' "'example.com/path'"
	dom_bad 'localhost\n' "'localhost'"
	dom_bad 'a..b\n' "'a..b'"
	dom_bad 'u@example.com\n' "'u@example.com'"
	dom_bad '-a.example.com\n' "'-a.example.com'"
	dom_bad 'x\0y.example\n' "NUL"
	dom_bad 'bad one.example\n' "'bad one.example'"
	bad "'/nonexistent/x'" sandbox-start "$SB_RUN-x" --domains-file /nonexistent/x
	bad "'$BATS_TEST_TMPDIR'" sandbox-start "$SB_RUN-x" --domains-file "$BATS_TEST_TMPDIR"
	report
}

@test "accepted env values and allowlist entries arrive verbatim" {
	local big i got want name ip
	big=$(head -c 60000 /dev/zero | tr '\0' v)
	# Each line is a case; the last has no trailing newline.
	{
		printf 'SUBST=$(touch /tmp/pwned-%s)\n' "$SB_RUN"
		printf 'TICKS=`id`\n'
		printf 'DQ="inner "quotes" kept"\n'
		printf "SQ='it'\"'\"'s'\n"
		printf 'HALFQ="unmatched\n'
		printf 'CRLF=windows\r\n'
		printf 'UNI=caf\xc3\xa9 \xe2\x9c\x93\n'
		printf 'HIGH=\xff\xfe\n'
		printf 'BACK=a\\nb\\\\c\n'
		printf 'DOLLAR=$HOME ${PATH} $$\n'
		printf 'HASH=x # not a comment\n'
		printf 'export EXPORTED=yes\n'
		printf 'BIG=%s\n' "$big"
		printf 'LAST=no newline'
	} >"$HOME/.sandbox/env"
	want=(SUBST '$(touch /tmp/pwned-'"$SB_RUN"')' TICKS '`id`'
	      DQ 'inner "quotes" kept' SQ "it'\"'\"'s" HALFQ '"unmatched'
	      CRLF windows UNI $'caf\xc3\xa9 \xe2\x9c\x93' HIGH $'\xff\xfe'
	      BACK 'a\nb\\c' DOLLAR '$HOME ${PATH} $$' HASH 'x # not a comment'
	      EXPORTED yes BIG "$big" LAST 'no newline'
	      NL $'two\nlines\r' CLI_Q "'; touch /tmp/pwned-$SB_RUN; '")
	# Accepted allowlist entries: normalised (case, trailing dot),
	# comments and CR LF dropped, duplicates folded.
	printf '# mine\r\nExample.COM.\r\n.Sub.Example.org  # trailing comment\n\nsub.example.org\nxn--caf-dma.example\n' \
		>"$BATS_TEST_TMPDIR/domains.txt"
	run sandbox-start "$OK" --env $'NL=two\nlines\r' \
		--env "CLI_Q='; touch /tmp/pwned-$SB_RUN; '" \
		--restrict-domains --domains-file "$BATS_TEST_TMPDIR/domains.txt"
	[ "$status" -eq 0 ]
	for ((i = 0; i < ${#want[@]}; i += 2)); do
		name=${want[i]}
		got=$(incus exec "agent-$OK" -- bash -lc "printf %s \"\$$name\"" | od -An -tx1)
		[ "$got" = "$(printf %s "${want[i + 1]}" | od -An -tx1)" ] ||
			FAILS+=("$name arrived as: $(head -c 120 <<<"$got") wanted $(printf %s "${want[i + 1]}" | od -An -tx1 | head -c 120)")
	done
	run incus exec "agent-$OK" -- sh -c "ls /tmp/pwned-* 2>/dev/null"
	[ -z "$output" ] || FAILS+=("a value was executed: $output")
	[ ! -e "/tmp/pwned-$SB_RUN" ] || FAILS+=("a value was executed on the host")
	[ "$(incus config get "agent-$OK" user.sandbox.domains-file)" = "$BATS_TEST_TMPDIR/domains.txt" ]
	ip=$(incus list --format csv -c 4 "^agent-$OK\$" | grep -o '10\.[0-9.]*' | head -1)
	[ -n "$ip" ]
	got=$(sort "/var/lib/sandbox/squid/acl/sb-$ip.domains" 2>/dev/null | grep -v '^#' | tr '\n' ' ')
	[ "$got" = ".sub.example.org example.com xn--caf-dma.example " ] ||
		FAILS+=("allowlist became: $got")
	rm -f "$HOME/.sandbox/env"
	report
}

@test "a taken slot, a taken host port and an existing name are refused" {
	local slot
	slot=$(incus config get "agent-$OK" user.sandbox.slot)
	[ -n "$slot" ]
	bad "slot $slot is taken" sandbox-start "$SB_RUN-y" --slot "$slot"
	bad "agent-$OK" sandbox-expose "$OK" 6000 --host-port $((2200 + slot))
	bad "--slot" sandbox-start "$OK" --slot "$slot"
	bad "REPO" sandbox-start "$OK" git@github.com:octo/x.git
	for p in 0 65536 -1 22x; do
		bad "'$p'" sandbox-expose -- "$OK" "$p"
	done
	report
}
