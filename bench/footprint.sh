# footprint: host memory that the toolkit's own processes add per running
# sandbox.  The process table taken before the sandboxes were made is
# compared with the one after; a new process is the toolkit's when it, or
# a process above it, names a bench sandbox (an agent is
# `ssh-agent -s -a /run/sandbox/agents/NAME.sock`) and nothing above it is
# incusd or an LXC monitor.  Its PSS and RSS come from
# /proc/PID/smaps_rollup.  Two pools are measured: the list pool (no
# repository), and 3 sandboxes with a repository cloned from a local fake
# GitHub (tests/integration/fake-github-git.bash), which is what gives a
# sandbox its ssh-agent.  New host processes of Incus (proxy devices, the
# monitor) and new processes nobody can trace to a bench sandbox (other
# users of this machine) are listed, never counted.

B_FP_REPO_N=${BENCH_FOOTPRINT_REPO:-3}

proc_field() { # proc_field PID FIELD(stat(5) numbering, >= 3)
	local line rest f
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${line##*) }
	read -ra f <<<"$rest"
	echo "${f[$2 - 3]}"
}

proc_cmd() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | cut -c1-160; }

proc_kib() { # proc_kib PID Pss|Rss
	awk -v k="$2:" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"/proc/$1/smaps_rollup" 2>/dev/null || echo 0
}

# classify PID: prints ours, incus, container, bench, kernel or other.
classify() {
	local p=$1 q cmd ours=0 n=0
	while [ "$p" -gt 1 ] 2>/dev/null && ((n++ < 64)); do
		[ "$p" = 2 ] && { echo kernel; return; }
		[ "$p" = "$$" ] && { echo bench; return; }
		cmd=$(proc_cmd "$p")
		case $cmd in
		"[lxc monitor]"*)
			[ "$p" = "$1" ] && echo incus || echo container
			return ;;
		/usr/libexec/incus/incusd\ --group*|incusd\ --group*)
			echo incus
			return ;;
		"") [ "$p" = "$1" ] && { echo kernel; return; } ;;
		esac
		case $cmd in *bench-*) ours=1 ;; esac
		q=$(proc_field "$p" 4) || break
		p=$q
	done
	((ours)) && echo ours || echo other
}

# bench_inits: the init pids of bench containers (children of an LXC
# monitor whose command line names agent-bench-*).
bench_inits() {
	local m
	for m in $(pgrep -f '^\[lxc monitor\] .* agent-bench-'); do
		pgrep -P "$m"
	done
}

is_bench_incus() { # is_bench_incus PID CMDLINE INITS
	local a
	case $2 in "[lxc monitor]"*agent-bench-*) return 0 ;; esac
	for a in $2; do
		grep -qx -- "$a" <<<"$3" && return 0
	done
	return 1
}

# fp_measure CASE BEFORE_SNAPSHOT SANDBOXES: prints and records the new
# processes since BEFORE_SNAPSHOT that are still there 2 s later.
fp_measure() {
	local name=$1 before=$2 count=$3 now pid k cmd pss rss
	local ours_pss=0 ours_rss=0 inc_pss=0 inc_n=0 ours_n=0
	local ours_j='[]' other_j='[]' seen inits other_inc=0
	now=$(ps_snapshot)
	inits=$(bench_inits)
	sleep 2
	seen=$(ps_snapshot)
	for pid in $(comm -13 <(echo "$before") <(echo "$now") |
		     comm -12 - <(echo "$seen") | awk '{ print $1 }'); do
		k=$(classify "$pid")
		case $k in
		ours | incus | other) ;;
		*) continue ;;
		esac
		cmd=$(proc_cmd "$pid")
		pss=$(proc_kib "$pid" Pss)
		rss=$(proc_kib "$pid" Rss)
		case $k in
		ours)
			ours_n=$((ours_n + 1))
			ours_pss=$((ours_pss + pss))
			ours_rss=$((ours_rss + rss))
			ours_j=$(jq -c --argjson pid "$pid" --arg cmd "$cmd" \
				--argjson pss "$pss" --argjson rss "$rss" \
				'. + [{pid: $pid, cmdline: $cmd, pss_kib: $pss,
				       rss_kib: $rss}]' <<<"$ours_j")
			say "    ours: pid $pid PSS $pss KiB RSS $rss KiB: $cmd" ;;
		incus)
			# Only Incus's processes for bench sandboxes: their
			# monitor names the instance; a forkproxy or forkfile
			# names the container's init pid.
			if ! is_bench_incus "$pid" "$cmd" "$inits"; then
				other_inc=$((other_inc + 1))
				continue
			fi
			inc_n=$((inc_n + 1))
			inc_pss=$((inc_pss + pss)) ;;
		other)
			other_j=$(jq -c --argjson pid "$pid" --arg cmd "$cmd" \
				'. + [{pid: $pid, cmdline: $cmd}]' <<<"$other_j") ;;
		esac
	done
	printf '  %-44s %5d KiB PSS, %5d KiB RSS per sandbox (%d processes of ours)\n' \
		"$name ($count sandboxes)" $((ours_pss / count)) \
		$((ours_rss / count)) "$ours_n"
	say "    not counted: Incus's own host processes for these sandboxes (monitor, forkproxy, forkfile): $inc_n, $((inc_pss / count)) KiB PSS per sandbox"
	if [ "$(jq length <<<"$other_j")" -gt 0 ]; then
		say "    not counted: $(jq length <<<"$other_j") new host processes that no bench sandbox accounts for (other users):"
		jq -r '.[] | "      pid \(.pid): \(.cmdline)"' <<<"$other_j" | head -8
	fi
	B_SUMMARY+=("$(printf '%-28s %7s KiB PSS/sandbox (Incus: %s KiB)' "footprint $name" $((ours_pss / count)) $((inc_pss / count)))")
	B_CASES=$(jq -c --arg name "$name" --argjson n "$count" \
		--argjson pss $((ours_pss / count)) --argjson rss $((ours_rss / count)) \
		--argjson procs "$ours_j" --argjson other "$other_j" \
		--argjson inc_n "$inc_n" --argjson inc_pss $((inc_pss / count)) \
		--argjson other_inc "$other_inc" \
		'. + [{case: $name, sandboxes: $n, per_sandbox_pss_kib: $pss,
		       per_sandbox_rss_kib: $rss, toolkit_processes: $procs,
		       incus_processes: $inc_n,
		       incus_per_sandbox_pss_kib: $inc_pss,
		       incus_processes_of_other_instances: $other_inc,
		       unattributed_processes: $other}]' <<<"$B_CASES")
}

# The fake GitHub of the integration tests, run from here.
fp_github_start() {
	BATS_TEST_DIRNAME=$B_ROOT/tests/integration
	SB_RUN=b$(printf '%04x' $((RANDOM % 65536)))
	export BATS_TEST_DIRNAME SB_RUN
	# shellcheck source=../tests/integration/fake-github-git.bash
	. "$B_ROOT/tests/integration/fake-github-git.bash"
	B_FP_DIR=$(mktemp -d /tmp/sb-bench-XXXXXX)
	chmod 755 "$B_FP_DIR"
	fake_api_start "$B_FP_DIR/api" >>"$B_LOG" 2>&1 &&
		fake_git_start "$B_FP_DIR/git" >>"$B_LOG" 2>&1 &&
		fake_git_repo octo/hello >>"$B_LOG" 2>&1
}

fp_github_stop() {
	[ -n "${B_FP_DIR:-}" ] || return 0
	fake_git_stop >>"$B_LOG" 2>&1
	fake_api_stop >>"$B_LOG" 2>&1
	rm -rf "$B_FP_DIR"
	B_FP_DIR=
}

# What Incus's host processes cost per sandbox with the devices made
# before the slot ports moved into the kernel: three forkproxy proxy
# devices (ssh/app/alt).  Bare containers with those devices on free
# high ports, measured like the rest, for the before/after of Incus's
# per-sandbox memory.
fp_old_devices() {
	local before i names=() base
	before=$(ps_snapshot)
	for ((i = 1; i <= B_FP_REPO_N; i++)); do
		base=$((41000 + i * 3))
		names+=("agent-bench-old-$i")
		ic POST /1.0/instances "$(jq -n -c --arg name "agent-bench-old-$i" \
			--arg a "tcp:127.0.0.1:$base" --arg b "tcp:127.0.0.1:$((base + 1))" \
			--arg c "tcp:127.0.0.1:$((base + 2))" \
			'{name: $name, source: {type: "copy", source: "golden-base/ready"},
			  profiles: ["sandbox"], start: true, devices: {
			  "ssh-proxy": {type: "proxy", listen: $a, connect: "tcp:127.0.0.1:22"},
			  "app-proxy": {type: "proxy", listen: $b, connect: "tcp:127.0.0.1:8080"},
			  "alt-proxy": {type: "proxy", listen: $c, connect: "tcp:127.0.0.1:9090"}}}')" |
			jq -r '.operation // empty' | { read -r op && op_wait "$op"; } \
			>>"$B_LOG" 2>&1 ||
			die "footprint: could not make agent-bench-old-$i (see ${B_LOG#"$B_ROOT"/})"
	done
	fp_measure "before: 3 forkproxy devices" "$before" "$B_FP_REPO_N"
	rm_instances "${names[@]}"
}

bench_footprint() {
	local before i names=()
	say "== footprint: host memory the toolkit's own processes add per sandbox, and Incus's"
	ensure_pool 1 || die "footprint: not enough memory for a sandbox"
	fp_measure "no repository" "$B_PS_BEFORE" "$B_POOL"
	fp_old_devices
	if ! fp_github_start; then
		say "  with a repository: skipped, the local fake GitHub did not start (see ${B_LOG#"$B_ROOT"/})"
		fp_github_stop
		write_json footprint
		return 0
	fi
	before=$(ps_snapshot)
	for ((i = 1; i <= B_FP_REPO_N; i++)); do
		names+=("agent-bench-fp-$i")
		log "+ sandbox-start bench-fp-$i git@github.com:octo/hello.git -q"
		sandbox-start "bench-fp-$i" git@github.com:octo/hello.git -q \
			>>"$B_LOG" 2>&1 ||
			die "footprint: sandbox-start bench-fp-$i with a repository failed (see ${B_LOG#"$B_ROOT"/})"
	done
	fp_measure "with a repository" "$before" "$B_FP_REPO_N"
	# --rm deletes the deploy keys through the fake API: before it stops.
	rm_instances "${names[@]}"
	fp_github_stop
	write_json footprint
}
