# start: `sandbox-start NAME -q` (no repository; it returns once sshd
# answers on the slot's port) against the floor: one raw POST that copies
# golden-base/ready with the same config, the three proxy devices and
# start:true, a wait on its operation, then the same sshd-banner poll.
# Each round runs both, in alternating order; instances are removed
# between rounds, outside the timing.

floor_body() { # floor_body INSTANCE SLOT
	jq -n -c --arg name "$1" --arg slot "$2" \
		--arg ssh "tcp:127.0.0.1:$((2200 + $2))" \
		--arg app "tcp:127.0.0.1:$((8000 + $2))" \
		--arg alt "tcp:127.0.0.1:$((9000 + $2))" \
		'{name: $name,
		  source: {type: "copy", source: "golden-base/ready"},
		  profiles: ["sandbox"],
		  config: {"user.sandbox.slot": $slot,
			   "user.sandbox.stack": "base",
			   "user.sandbox.golden": ""},
		  devices: {
		    "ssh-proxy": {type: "proxy", listen: $ssh,
				  connect: "tcp:127.0.0.1:22"},
		    "app-proxy": {type: "proxy", listen: $app,
				  connect: "tcp:127.0.0.1:8080"},
		    "alt-proxy": {type: "proxy", listen: $alt,
				  connect: "tcp:127.0.0.1:9090"}},
		  start: true}'
}

# The floor, as one timed unit: POST, wait on the operation, poll sshd.
floor_start() { # floor_start INSTANCE SLOT
	local op st
	op=$(ic POST /1.0/instances "$(floor_body "$1" "$2")" |
		jq -r '.operation // empty')
	[ -n "$op" ] || return 1
	st=$(ic GET "$op/wait?timeout=120" | jq -r '.metadata.status_code // 0')
	[ "$st" = 200 ] || { echo "operation $op: status $st"; return 1; }
	"$B_HELPERS/sshwait" $((2200 + $2)) 60
}

bench_start() {
	local i tool=() floor=() t slot inst order
	say "== start: sandbox-start vs raw REST copy+start ($B_ROUNDS rounds, interleaved)"
	for ((i = 1; i <= B_ROUNDS; i++)); do
		# Odd rounds run the toolkit first, even rounds the floor.
		for order in $( ((i % 2)) && echo tool floor || echo floor tool); do
			if [ "$order" = tool ]; then
				inst=agent-bench-start-$i
				timeit t sandbox-start "bench-start-$i" -q ||
					die "start: sandbox-start bench-start-$i failed (see ${B_LOG#"$B_ROOT"/})"
				tool+=("$t")
			else
				inst=agent-bench-floor-$i
				# Another user may take the slot between the pick
				# and the POST: pick again, up to three times.
				local tries
				for tries in 1 2 3; do
					slot=$(free_slot) || die "start: no free slot"
					timeit t floor_start "$inst" "$slot" && break
					rm_instances "$inst"
					[ "$tries" = 3 ] &&
						die "start: floor failed 3 times (see ${B_LOG#"$B_ROOT"/})"
				done
				floor+=("$t")
			fi
			rm_instances "$inst"
		done
		log "start round $i: tool ${tool[-1]} floor ${floor[-1]}"
	done
	compare start 1.2 "sandbox-start x -q" "sandbox-start NAME -q" \
		"${tool[*]}" "REST copy+start, wait, sshd" \
		"curl POST /1.0/instances (copy golden-base/ready, 3 proxies, start:true) + GET operation/wait + sshd banner poll" \
		"${floor[*]}"
	write_json start
}
