#!/bin/bash
# Makes sure an Incus daemon answers.  Where systemd runs, its units start
# it; elsewhere (containers, CI machines) incusd is started in the
# background the way the packaged service does, and we wait until it is
# ready.  Does nothing when a daemon already answers.
set -eu

if incus admin waitready --timeout 2 >/dev/null 2>&1; then
	exit 0
fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	systemctl start incus.socket incus.service
else
	group=incus-admin
	getent group "$group" >/dev/null || group=root
	mkdir -p /var/log/incus
	# The daemon outlives us: it must not hold any descriptor of our
	# caller's (a test runner waits for its pipes to close).
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		# Nothing of our caller's environment (a GitHub token).
		exec env -i PATH=/usr/libexec/incus:/usr/sbin:/usr/bin:/sbin:/bin \
			LC_ALL=C setsid incusd --group "$group" \
			>>/var/log/incus/incusd.log 2>&1 </dev/null
	) &
fi
if ! incus admin waitready --timeout 120; then
	echo "setup/incusd.sh: Incus did not become ready;" \
	     "see /var/log/incus/incusd.log" >&2
	exit 1
fi
