# The pool of running sandboxes that list, exec, scale and footprint share:
# agent-bench-l-01 .. agent-bench-l-30, made one after the other with
# `sandbox-start NAME -q`, each start timed (the scale figure).  Sourced.

B_POOL=0		# how many exist
B_POOL_TIMES=()		# start time of each, in order
B_POOL_RETRIES=()	# sandboxes whose first start failed
B_POOL_MEM0=		# MemAvailable (MiB) before the first
B_PS_BEFORE=		# process table before the first (footprint)
B_MIN_FREE_MIB=${BENCH_MIN_FREE_MIB:-3072}

pool_name() { printf 'bench-l-%02d' "$1"; }

# ps_snapshot: "PID STARTTIME" of every process, one a line.
ps_snapshot() {
	local d line rest f
	for d in /proc/[0-9]*; do
		read -r line 2>/dev/null <"$d/stat" || continue
		rest=${line##*) }
		read -ra f <<<"$rest"
		# f[0] is field 3 of stat(5), so starttime (22) is f[19].
		echo "${d#/proc/} ${f[19]}"
	done | sort
}

# pool_mib_each: MemAvailable taken per pool sandbox so far, in MiB.
pool_mib_each() {
	local now
	now=$(mem_available_mib)
	((B_POOL > 0)) || { echo 0; return; }
	echo $(((B_POOL_MEM0 - now) / B_POOL))
}

# pool_fits N: whether making the pool N big would leave at least
# B_MIN_FREE_MIB available (each new sandbox counted at 1.5 times what the
# ones so far took, as dockerd in them keeps growing for a while).  Prints
# the reason when it would not.
pool_fits() {
	local want=$1 each now need
	now=$(mem_available_mib)
	each=$(pool_mib_each)
	((B_POOL > 0)) || each=300	# a guess before anything is measured
	need=$(((want - B_POOL) * each * 3 / 2))
	if ((now - need < B_MIN_FREE_MIB)); then
		echo "$(free -m | awk '/^Mem:/ { print "free -m: total " $2 " MiB, used " $3 ", available " $7 }');" \
			"each sandbox takes about $each MiB, so $((want - B_POOL)) more" \
			"would leave $((now - need)) MiB (< $B_MIN_FREE_MIB MiB)"
		return 1
	fi
}

# ensure_pool N: makes the pool N sandboxes big.
ensure_pool() {
	local want=$1 t why n
	((B_POOL >= want)) && return 0
	if ! why=$(pool_fits "$want"); then
		say "  skipping $want sandboxes: $why"
		return 1
	fi
	if ((B_POOL == 0)); then
		B_POOL_MEM0=$(mem_available_mib)
		B_PS_BEFORE=$(ps_snapshot)
	fi
	printf '  making %d running sandboxes (%d exist): ' "$want" "$B_POOL"
	while ((B_POOL < want)); do
		n=$(pool_name $((B_POOL + 1)))
		if ! timeit t sandbox-start "$n" -q; then
			# Other users of a shared machine can make one start
			# fail (a full pool, a restarted daemon): say so,
			# remove it, and try once more.
			printf '\n  sandbox-start %s failed after %.1f s: %s; retrying once\n  ' \
				"$n" "$t" "$(tail -1 "$B_LOG")"
			B_POOL_RETRIES+=("$n")
			wait_daemon
			rm_instances "agent-$n"
			timeit t sandbox-start "$n" -q ||
				die "sandbox-start $n failed twice (see ${B_LOG#"$B_ROOT"/})"
		fi
		B_POOL_TIMES+=("$t")
		B_POOL=$((B_POOL + 1))
		printf '.'
	done
	printf ' done (%s MiB available)\n' "$(mem_available_mib)"
}

pool_remove() {
	local i names=()
	for ((i = 1; i <= B_POOL; i++)); do
		names+=("agent-$(pool_name "$i")")
	done
	rm_instances "${names[@]}"
	B_POOL=0
}
