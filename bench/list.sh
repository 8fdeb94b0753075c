# list: `sandbox-list` (health columns) and `sandbox-list --no-health`
# against `incus list --format csv`, over 10 and then 30 running pool
# sandboxes.  The three commands run in a rotating order in every round,
# after one untimed call of each.  Every command lists every instance on
# the daemon, so sandboxes of other users count too: the JSON and the
# output say how many there were.

list_size() { # list_size N
	local n=$1 i j c t a=() b=() c_=() seen running all extra
	local cmds=(health nohealth incus)
	for c in "${cmds[@]}"; do list_one "$c" >/dev/null 2>&1; done
	for ((i = 0; i < B_ROUNDS * B_REPS; i++)); do
		for ((j = 0; j < 3; j++)); do
			c=${cmds[$(((i + j) % 3))]}
			timeit t list_one "$c" || die "list: $c failed"
			case $c in
			health) a+=("$t") ;;
			nohealth) b+=("$t") ;;
			incus) c_+=("$t") ;;
			esac
		done
	done
	seen=$(sandbox-list --json --no-health | jq length)
	running=$(sandbox-list --json --no-health |
		jq '[.[] | select((.state // .status // "" | ascii_downcase) == "running")] | length')
	all=$(ic GET /1.0/instances | jq '.metadata | length')
	say "  $n pool sandboxes running; sandbox-list shows $seen sandboxes ($running running), incus list $all instances"
	extra=$(jq -n -c --argjson pool "$n" --argjson seen "$seen" \
		--argjson running "$running" --argjson all "$all" \
		'{pool_sandboxes: $pool, sandboxes_listed: $seen,
		  sandboxes_running: $running, instances_listed: $all}')
	compare "list --no-health @$n" 0.5 "sandbox-list --no-health" \
		"sandbox-list --no-health" "${b[*]}" "incus list --format csv" \
		"incus list --format csv" "${c_[*]}" "$extra"
	compare "list (health) @$n" 1.0 "sandbox-list" "sandbox-list" \
		"${a[*]}" "incus list --format csv" "incus list --format csv" \
		"${c_[*]}" "$extra"
}

list_one() {
	case $1 in
	health) sandbox-list ;;
	nohealth) sandbox-list --no-health ;;
	incus) incus list --format csv ;;
	esac
}

bench_list() {
	local skipped=null small=10
	((B_SCALE_N < small)) && small=$B_SCALE_N
	say "== list: sandbox-list vs incus list --format csv ($B_ROUNDS rounds x $B_REPS, rotating order)"
	ensure_pool "$small" || die "list: not enough memory for $small sandboxes"
	list_size "$small"
	((B_SCALE_N > small)) || { write_json list; return 0; }
	if ensure_pool "$B_SCALE_N"; then
		list_size "$B_SCALE_N"
	else
		skipped="\"$B_SCALE_N: not enough memory\""
		B_SUMMARY+=("$(printf '%-28s %s' "list @$B_SCALE_N" "SKIPPED (memory)")")
	fi
	write_json list "{\"skipped\": $skipped}"
}
