# start and restart: `sandbox-start NAME -q` (no repository; it returns
# once sshd answers on the slot's port 127.0.0.1:2200+slot) against the
# floor: a bare container.  The floor copies golden-base/ready with one
# raw POST (profile sandbox, no devices, start:true), waits on its
# operation, reads the address the container got from the state API and
# polls sshd on that address directly: no proxy, no firewall, no files.
# Restart stops both kinds first (outside the timing) and times starting
# them again the same way.  Each round runs both, in alternating order;
# instances are removed between rounds, outside the timing.

bare_body() { # bare_body INSTANCE
	jq -n -c --arg name "$1" \
		'{name: $name,
		  source: {type: "copy", source: "golden-base/ready"},
		  profiles: ["sandbox"], start: true}'
}

# op_wait OPERATION: waits for it; fails unless it succeeded.
op_wait() {
	local st
	[ -n "$1" ] || return 1
	st=$(ic GET "$1/wait?timeout=120" | jq -r '.metadata.status_code // 0')
	[ "$st" = 200 ] || { echo "operation $1: status $st"; return 1; }
}

# bare_sshd INSTANCE: polls the state API for eth0's IPv4 address (every
# 10 ms), then sshd on it.
bare_sshd() {
	local addr i
	for ((i = 0; i < 3000; i++)); do
		addr=$(ic GET "/1.0/instances/$1/state" | jq -r \
			'.metadata.network.eth0.addresses[]? |
			 select(.family == "inet") | .address' | head -n 1)
		[ -n "$addr" ] && break
		sleep 0.01
	done
	[ -n "$addr" ] || { echo "$1: no address"; return 1; }
	"$B_HELPERS/sshwait" "$addr:22" 60
}

bare_create() { # bare_create INSTANCE: the create floor, one timed unit
	op_wait "$(ic POST /1.0/instances "$(bare_body "$1")" |
		jq -r '.operation // empty')" && bare_sshd "$1"
}

bare_restart() { # bare_restart INSTANCE: the restart floor
	op_wait "$(ic PUT "/1.0/instances/$1/state" '{"action": "start"}' |
		jq -r '.operation // empty')" && bare_sshd "$1"
}

bare_stop() {
	op_wait "$(ic PUT "/1.0/instances/$1/state" \
		'{"action": "stop", "force": true}' | jq -r '.operation // empty')"
}

bench_start() {
	local i tool=() floor=() t order
	say "== start: sandbox-start vs a bare container ($B_ROUNDS rounds, interleaved)"
	for ((i = 1; i <= B_ROUNDS; i++)); do
		for order in $( ((i % 2)) && echo tool floor || echo floor tool); do
			if [ "$order" = tool ]; then
				timeit t sandbox-start "bench-start-$i" -q ||
					die "start: sandbox-start bench-start-$i failed (see ${B_LOG#"$B_ROOT"/})"
				tool+=("$t")
				rm_instances "agent-bench-start-$i"
			else
				timeit t bare_create "agent-bench-bare-$i" ||
					die "start: the bare floor failed (see ${B_LOG#"$B_ROOT"/})"
				floor+=("$t")
				rm_instances "agent-bench-bare-$i"
			fi
		done
		log "start round $i: tool ${tool[-1]} floor ${floor[-1]}"
	done
	compare start 1.2 "sandbox-start x -q" "sandbox-start NAME -q (create)" \
		"${tool[*]}" "bare container: copy+start, sshd on its address" \
		"curl POST /1.0/instances (copy golden-base/ready, profile sandbox, no devices, start:true) + GET operation/wait + state API until eth0 has an address + sshd banner poll on it" \
		"${floor[*]}"
	write_json start
}

bench_restart() {
	local i tool=() floor=() t order
	say "== restart: sandbox-start on a stopped sandbox vs starting a stopped bare container ($B_ROUNDS rounds, interleaved)"
	for ((i = 1; i <= B_ROUNDS; i++)); do
		sandbox-start "bench-rs-$i" -q >>"$B_LOG" 2>&1 &&
			sandbox-stop "bench-rs-$i" -q >>"$B_LOG" 2>&1 ||
			die "restart: could not make bench-rs-$i (see ${B_LOG#"$B_ROOT"/})"
		bare_create "agent-bench-rsbare-$i" >>"$B_LOG" 2>&1 &&
			bare_stop "agent-bench-rsbare-$i" >>"$B_LOG" 2>&1 ||
			die "restart: could not make the bare container (see ${B_LOG#"$B_ROOT"/})"
		for order in $( ((i % 2)) && echo tool floor || echo floor tool); do
			if [ "$order" = tool ]; then
				timeit t sandbox-start "bench-rs-$i" -q ||
					die "restart: sandbox-start bench-rs-$i failed (see ${B_LOG#"$B_ROOT"/})"
				tool+=("$t")
			else
				timeit t bare_restart "agent-bench-rsbare-$i" ||
					die "restart: the bare floor failed (see ${B_LOG#"$B_ROOT"/})"
				floor+=("$t")
			fi
		done
		rm_instances "agent-bench-rs-$i" "agent-bench-rsbare-$i"
		log "restart round $i: tool ${tool[-1]} floor ${floor[-1]}"
	done
	compare restart 1.2 "sandbox-start x -q (stopped)" \
		"sandbox-start NAME -q (restart)" "${tool[*]}" \
		"bare container: start, sshd on its address" \
		"curl PUT /1.0/instances/NAME/state start + GET operation/wait + state API until eth0 has an address + sshd banner poll on it" \
		"${floor[*]}"
	write_json restart
}
