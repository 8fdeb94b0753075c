# Shared by bench/run and the bench/*.sh benchmarks: timing, statistics,
# the printed figures, the JSON results, and cleanup of every agent-bench-*
# instance.  Sourced, never run.

B_SOCK=${INCUS_SOCKET:-/var/lib/incus/unix.socket}
B_RESULTS=$B_ROOT/bench/results
B_LOG=$B_RESULTS/bench.log
B_ROUNDS=${BENCH_ROUNDS:-5}
B_SUMMARY=()	# one line per figure, printed again at the end

# ic METHOD PATH [BODY]: a raw REST call on the Incus socket.
ic() {
	if [ $# -ge 3 ]; then
		curl -sS --unix-socket "$B_SOCK" -X "$1" \
			-H 'Content-Type: application/json' --data "$3" \
			"http://incus$2"
	else
		curl -sS --unix-socket "$B_SOCK" -X "$1" "http://incus$2"
	fi
}

log() { printf '%s\n' "$*" >>"$B_LOG"; }
say() { printf '%s\n' "$*"; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# timeit VAR CMD...: runs CMD (stdout and stderr to the log) and stores its
# wall-clock time in seconds in VAR.  Returns CMD's status.
timeit() {
	local __v=$1 t0 t1 rc
	shift
	log "+ $*"
	t0=$EPOCHREALTIME
	"$@" >>"$B_LOG" 2>&1
	rc=$?
	t1=$EPOCHREALTIME
	printf -v "$__v" '%s' "$(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.4f", b - a }')"
	return $rc
}

# stats N...: prints "min median max" of the numbers.
stats() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "0 0 0"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.4f %.4f %.4f\n", v[1], m, v[NR]
		}'
}

median() { stats "$@" | awk '{ print $2 }'; }

# ratio A B: A / B with three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

# verdict RATIO TARGET: PASS when RATIO <= TARGET.
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "PASS" : "MISS" }'; }

json_nums() { printf '%s\n' "$@" | jq -s -c 'map(tonumber)'; }

# series_json LABEL CMD SAMPLES...: one measured series as a JSON object.
series_json() {
	local label=$1 cmd=$2 s
	shift 2
	s=$(stats "$@")
	jq -n -c --arg lbl "$label" --arg cmd "$cmd" \
		--argjson samples "$(json_nums "$@")" \
		--argjson min "${s%% *}" \
		--argjson median "$(echo "$s" | awk '{ print $2 }')" \
		--argjson max "${s##* }" \
		'{"label": $lbl, command: $cmd, unit: "s", samples: $samples,
		  min: $min, median: $median, max: $max}'
}

# row LABEL SAMPLES...: one printed line of min/median/max.
row() {
	local label=$1 s
	shift
	s=$(stats "$@")
	printf '  %-44s min %7.3f  med %7.3f  max %7.3f s  (n=%d)\n' "$label" \
		$s $#
}

B_CASES='[]'

# add_case NAME TOOL_JSON FLOOR_JSON RATIO TARGET VERDICT [EXTRA_JSON]
add_case() {
	B_CASES=$(jq -c --arg name "$1" --argjson tool "$2" \
		--argjson floor "$3" --argjson ratio "$4" --argjson target "$5" \
		--arg verdict "$6" --argjson extra "${7:-{\}}" \
		'. + [{case: $name, toolkit: $tool, floor: $floor,
		       ratio_of_medians: $ratio, target_max_ratio: $target,
		       verdict: $verdict} + $extra]' <<<"$B_CASES")
}

# compare CASE TARGET TOOL_LABEL TOOL_CMD "TOOL_SAMPLES" FLOOR_LABEL
#         FLOOR_CMD "FLOOR_SAMPLES" [EXTRA_JSON]: prints both series, the
# ratio of medians and PASS/MISS, and records the case.
compare() {
	local name=$1 target=$2 tl=$3 tc=$4 ts=$5 fl=$6 fc=$7 fs=$8 r v
	# shellcheck disable=SC2086 # the samples are word lists on purpose
	row "$tl" $ts
	# shellcheck disable=SC2086
	row "floor: $fl" $fs
	# shellcheck disable=SC2086
	r=$(ratio "$(median $ts)" "$(median $fs)")
	v=$(verdict "$r" "$target")
	printf '  ratio of medians %-6s  target <= %-5s  %s\n' "$r" "$target" "$v"
	B_SUMMARY+=("$(printf '%-28s %7s  <= %-5s %s' "$name" "$r" "$target" "$v")")
	# shellcheck disable=SC2086
	add_case "$name" "$(series_json "$tl" "$tc" $ts)" \
		"$(series_json "$fl" "$fc" $fs)" "$r" "$target" "$v" "${9:-}"
}

machine_json() {
	local mem avail cpu
	mem=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
	avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	jq -n -c --argjson nproc "$(nproc)" --argjson mem "$mem" \
		--argjson avail "$avail" --arg kernel "$(uname -r)" \
		--arg cpu "${cpu:-unknown}" \
		--arg client "$(incus version 2>/dev/null | awk -F': ' '/^Client/ { print $2 }')" \
		--arg server "$(ic GET /1.0 | jq -r .metadata.environment.server_version)" \
		--arg storage "$(ic GET /1.0 | jq -r .metadata.environment.storage)" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg host "$(uname -n)" \
		'{date: $date, host: $host, nproc: $nproc, cpu: $cpu,
		  mem_total_kib: $mem, mem_available_kib: $avail, kernel: $kernel,
		  incus_client: $client, incus_server: $server, storage: $storage}'
}

machine_line() {
	printf '%s cpus (%s), %s MiB RAM, kernel %s, Incus %s (%s)' \
		"$(nproc)" \
		"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		"$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)" \
		"$(uname -r)" \
		"$(ic GET /1.0 | jq -r .metadata.environment.server_version)" \
		"$(ic GET /1.0 | jq -r .metadata.environment.storage)"
}

# write_json NAME [EXTRA_JSON]: bench/results/NAME.json from the recorded
# cases, then starts a fresh list of cases.
write_json() {
	local f=$B_RESULTS/$1.json
	jq -n --arg name "$1" --argjson machine "$(machine_json)" \
		--argjson rounds "$B_ROUNDS" --argjson cases "$B_CASES" \
		--argjson extra "${2:-{\}}" \
		'{benchmark: $name, rounds: $rounds, machine: $machine,
		  cases: $cases} + $extra' >"$f.tmp" && mv "$f.tmp" "$f"
	say "  -> ${f#"$B_ROOT"/}"
	B_CASES='[]'
}

# The instances this harness made: agent-bench-*.
bench_instances() {
	ic GET /1.0/instances | jq -r '.metadata[]? | sub(".*/"; "")' |
		grep '^agent-bench-' || true
}

# rm_instances INSTANCE...: through sandbox-stop --rm (which also ends an
# agent, firewall rules and a deploy key), else a forced delete.
rm_instances() {
	local i names=()
	[ $# -eq 0 ] && return 0
	wait_daemon
	for i in "$@"; do names+=("${i#agent-}"); done
	log "+ sandbox-stop ${names[*]} --rm --grace 0 -q"
	sandbox-stop "${names[@]}" --rm --grace 0 -q >>"$B_LOG" 2>&1 || true
	for i in "$@"; do
		if ic GET "/1.0/instances/$i" 2>/dev/null |
			jq -e '.error_code == 404' >/dev/null; then
			continue
		fi
		log "+ incus delete --force $i"
		incus delete --force "$i" >>"$B_LOG" 2>&1 || true
	done
}

# wait_daemon: when nothing answers on the socket (another user of the
# machine restarting the daemon), waits up to 90 s for it to come back.
wait_daemon() {
	ic GET /1.0 >/dev/null 2>&1 && return 0
	say "  bench: the Incus daemon does not answer; waiting up to 90 s for it" >&2
	incus admin waitready --timeout=90 >>"$B_LOG" 2>&1
}

cleanup_all() {
	local left
	wait_daemon || { say "bench: Incus is down: remove agent-bench-* by hand" >&2; return 1; }
	# shellcheck disable=SC2046 # one name a word
	rm_instances $(bench_instances)
	left=$(bench_instances)
	[ -z "$left" ] || say "bench: could not remove: $left" >&2
}

# free_slot: the lowest slot whose three ports neither an instance (by
# user.sandbox.slot or a proxy device) nor a host socket uses, as
# sandbox-start picks it.
free_slot() {
	local used s
	used=$(ic GET '/1.0/instances?recursion=1' | jq -r '.metadata[] |
		(.config["user.sandbox.slot"] // empty | "slot " + .),
		(.devices[]? | select(.type == "proxy") | .listen // empty |
		 sub(".*:"; "port "))'
	       ss -Hltn | awk '{ n = split($4, a, ":"); print "port " a[n] }')
	for ((s = 1; s <= 99; s++)); do
		grep -qx -e "slot $s" -e "port $((2200 + s))" \
			-e "port $((8000 + s))" -e "port $((9000 + s))" \
			<<<"$used" || { echo "$s"; return 0; }
	done
	return 1
}

# mem_available_mib
mem_available_mib() { awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo; }
