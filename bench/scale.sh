# scale: the pool's sandboxes are made one after the other with
# `sandbox-start NAME -q`; this compares the last starts with the first.
# Single starts are noisy, so the figure is the median of the last 3
# against the median of the first 3 (the 1st and the last alone are
# reported too).

bench_scale() {
	local n first last r v t1 tn
	say "== scale: ${B_SCALE_N} sandbox-start one after the other (median of the last 3 vs the first 3)"
	if ! ensure_pool "$B_SCALE_N"; then
		((B_POOL >= 6)) || die "scale: not enough memory for 6 sandboxes"
		say "  scale runs over the $B_POOL sandboxes that fit"
	fi
	n=$B_POOL
	first=$(median "${B_POOL_TIMES[@]:0:3}")
	last=$(median "${B_POOL_TIMES[@]:n-3:3}")
	t1=${B_POOL_TIMES[0]}
	tn=${B_POOL_TIMES[n-1]}
	r=$(ratio "$last" "$first")
	v=$(verdict "$r" 1.2)
	say "  all starts (s): ${B_POOL_TIMES[*]}"
	((${#B_POOL_RETRIES[@]} == 0)) ||
		say "  started on the second try (first try failed): ${B_POOL_RETRIES[*]}"
	printf '  1st start %.3f s, %dth start %.3f s (ratio %s)\n' "$t1" "$n" "$tn" \
		"$(ratio "$tn" "$t1")"
	printf '  median of starts 1-3 %.3f s, of starts %d-%d %.3f s\n' "$first" \
		$((n - 2)) "$n" "$last"
	if ((n >= 20)); then
		# Less sensitive to a few starts that waited for someone
		# else's (sandbox-start holds the slot lock through the
		# whole create+start): the first 10 against the last 10.
		printf '  (for reference: median of starts 1-10 %.3f s, of starts %d-%d %.3f s, ratio %s)\n' \
			"$(median "${B_POOL_TIMES[@]:0:10}")" $((n - 9)) "$n" \
			"$(median "${B_POOL_TIMES[@]:n-10:10}")" \
			"$(ratio "$(median "${B_POOL_TIMES[@]:n-10:10}")" "$(median "${B_POOL_TIMES[@]:0:10}")")"
	fi
	printf '  ratio of medians %-6s  target <= 1.2    %s\n' "$r" "$v"
	B_SUMMARY+=("$(printf '%-28s %7s  <= %-5s %s' "scale ${n}th/1st" "$r" 1.2 "$v")")
	add_case "scale: starts $((n - 2))-$n vs 1-3" \
		"$(series_json "starts $((n - 2))-$n" "sandbox-start NAME -q" "${B_POOL_TIMES[@]:n-3:3}")" \
		"$(series_json "starts 1-3" "sandbox-start NAME -q" "${B_POOL_TIMES[@]:0:3}")" \
		"$r" 1.2 "$v" \
		"$(jq -n -c --argjson all "$(json_nums "${B_POOL_TIMES[@]}")" \
			--argjson n "$n" --argjson t1 "$t1" --argjson tn "$tn" \
			--arg retried "${B_POOL_RETRIES[*]}" \
			'{sandboxes: $n, start_times_s: $all, first_s: $t1,
			  retried_after_a_failure: ($retried | split(" ")),
			  last_s: $tn, last_over_first: ($tn / $t1)}')"
	write_json scale
}
