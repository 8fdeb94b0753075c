# exec: `sandbox NAME --cmd true` against `incus exec agent-NAME -- true`
# on a running pool sandbox.  Each round makes BENCH_REPS pairs of calls,
# the order alternating, after one untimed call of each.

bench_exec() {
	local i j t a=() b=() name
	say "== exec: sandbox --cmd true vs incus exec -- true ($B_ROUNDS rounds x $B_REPS pairs, alternating)"
	ensure_pool 1 || die "exec: not enough memory for a sandbox"
	name=$(pool_name 1)
	sandbox "$name" --cmd true >/dev/null 2>&1
	incus exec "agent-$name" -- true >/dev/null 2>&1
	for ((i = 0; i < B_ROUNDS * B_REPS; i++)); do
		for j in $( ((i % 2)) && echo floor tool || echo tool floor); do
			if [ "$j" = tool ]; then
				timeit t sandbox "$name" --cmd true ||
					die "exec: sandbox $name --cmd true failed"
				a+=("$t")
			else
				timeit t incus exec "agent-$name" -- true ||
					die "exec: incus exec failed"
				b+=("$t")
			fi
		done
	done
	compare exec 1.0 "sandbox x --cmd true" "sandbox NAME --cmd true" \
		"${a[*]}" "incus exec agent-x -- true" \
		"incus exec agent-NAME -- true" "${b[*]}"
	write_json exec
}
