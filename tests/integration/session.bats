#!/usr/bin/env bats
# Sessions against a real Incus, driven through real tmux: the login shell
# and its pty (prompt, resize, exit status), --cmd (status, stdin, stderr),
# three sandboxes at once, the stopped-sandbox message, tmux panes for
# several names (a second call reuses the session), --ssh-config.
#
# The containers are plain copies of golden-base/ready, so these tests do
# not depend on sandbox-start.  Every tmux server here is private (-S, or
# its own TMUX_TMPDIR) and only those are killed.

load helpers

setup_file() {
	export A="$SB_RUN-a" B="$SB_RUN-b" C="$SB_RUN-c" D="$SB_RUN-d"
	export TSOCK="$BATS_FILE_TMPDIR/outer.sock"
	export INNER="$BATS_FILE_TMPDIR/inner"
	mkdir -p "$INNER" "$BATS_FILE_TMPDIR/bin"
	# A private copy: in a shared tree a parallel `make` may be relinking
	# bin/sandbox while a test runs it.
	cp "$ROOT/bin/sandbox" "$BATS_FILE_TMPDIR/bin/sandbox"
	export SB="$BATS_FILE_TMPDIR/bin/sandbox"
	export PATH="$BATS_FILE_TMPDIR/bin:$PATH"
	local n
	for n in "$A" "$B" "$C"; do
		incus copy golden-base/ready "agent-$n" >/dev/null
		incus start "agent-$n"
	done
	incus copy golden-base/ready "agent-$D" >/dev/null # stays stopped
	for n in "$A" "$B" "$C"; do
		# The image is made for sandbox-start; make sure what a session
		# needs is there even in a bare copy.
		incus exec "agent-$n" -- sh -c 'mkdir -p /workspace/project &&
			chown 1000:1000 /workspace/project'
	done
	tmux -S "$TSOCK" -f /dev/null new-session -d -s keep -x 100 -y 30
	tmux -S "$TSOCK" set -g status off
}

teardown_file() {
	tmux -S "$TSOCK" kill-server 2>/dev/null || true
	TMUX_TMPDIR="$INNER" tmux kill-server 2>/dev/null || true
	sb_cleanup
}

t() { tmux -S "$TSOCK" "$@"; }
inner() { TMUX_TMPDIR="$INNER" tmux "$@"; }

# Waits up to $3 seconds (default 20) for text $2 in pane $1.
wait_pane() {
	local i
	for ((i = 0; i < ${3:-20} * 10; i++)); do
		if t capture-pane -p -t "$1" -S -50 | grep -qF -- "$2"; then
			return 0
		fi
		sleep 0.1
	done
	echo "pane $1 never showed: $2" >&2
	t capture-pane -p -t "$1" -S -50 >&2
	return 1
}

@test "shell: prompt as ubuntu in /workspace/project, resize, exit 3" {
	t new-window -t keep -n shell \
		"$SB $A; echo EXIT=\$?; stty -a | tr ' ' '\n' | grep -qx icanon && echo COOKED; sleep 600"
	t resize-window -t keep:shell -x 100 -y 30
	wait_pane keep:shell '$'
	t send-keys -t keep:shell 'echo "[$(id -un):$(id -u):$PWD:$HOME]"' Enter
	wait_pane keep:shell "[ubuntu:1000:/workspace/project:/home/ubuntu]"

	t send-keys -t keep:shell 'echo "size=$(stty size)"' Enter
	wait_pane keep:shell "size=30 100"
	t resize-window -t keep:shell -x 132 -y 41
	sleep 0.5
	t send-keys -t keep:shell 'echo "size=$(stty size)"' Enter
	wait_pane keep:shell "size=41 132"

	# Ctrl-C reaches the remote shell's line discipline, not us.
	t send-keys -t keep:shell 'sleep 30' Enter
	sleep 0.5
	t send-keys -t keep:shell C-c
	t send-keys -t keep:shell 'echo "after=$?"' Enter
	wait_pane keep:shell "after=130"

	t send-keys -t keep:shell 'exit 3' Enter
	wait_pane keep:shell "EXIT=3"
	# Raw mode was undone on the way out.
	wait_pane keep:shell "COOKED"
	t kill-window -t keep:shell
}

@test "--cmd: exit status, stdin passed through, stderr separate" {
	run sandbox "$A" --cmd 'exit 7'
	[ "$status" -eq 7 ]

	run bash -c "echo x | sandbox '$A' --cmd cat"
	[ "$status" -eq 0 ]
	[ "$output" = "x" ]

	run bash -c "sandbox '$A' --cmd 'echo out; echo err >&2; id -u; pwd' 2>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = $'out\n1000\n/workspace/project' ]

	# The user's supplementary groups (docker, sudo) are there too.
	run sandbox "$A" --cmd 'id -Gn'
	[ "$status" -eq 0 ]
	assert_contains "$output" "docker"
	assert_contains "$output" "sudo"

	run bash -c "sandbox '$A' --cmd 'echo err >&2' 2>&1 >/dev/null"
	[ "$output" = "err" ]

	# A bigger stream in both directions (many frames each way).
	run bash -c "head -c 300000 /dev/urandom | base64 -w0 > '$BATS_TEST_TMPDIR/in' &&
		sandbox '$A' --cmd 'sha256sum' < '$BATS_TEST_TMPDIR/in' | cut -d' ' -f1"
	[ "$output" = "$(sha256sum < "$BATS_TEST_TMPDIR/in" | cut -d' ' -f1)" ]
}

@test "--cmd under a terminal: interactive with the pane's size" {
	t new-window -t keep -n cmd \
		"$SB $A --cmd 'stty size; exit 5'; echo EXIT=\$?; sleep 600"
	wait_pane keep:cmd "EXIT=5"
	run t capture-pane -p -t keep:cmd
	local want
	want=$(t display -p -t keep:cmd '#{pane_height} #{pane_width}')
	assert_contains "$output" "$want"
	t kill-window -t keep:cmd
}

@test "three sandboxes with --cmd: labelled outputs in order, worst status" {
	run sandbox "$A" "$B" "$C" --cmd 'hostname; case $(hostname) in *-b) exit 4;; esac'
	[ "$status" -eq 4 ]
	local want
	want=$(printf '==> %s <==\nagent-%s\n\n==> %s <==\nagent-%s\n\n==> %s <==\nagent-%s' \
		"$A" "$A" "$B" "$B" "$C" "$C")
	# The warning about b's status goes to stderr, merged by run.
	run bash -c "sandbox '$A' '$B' '$C' --parallel 1 --cmd 'hostname; case \$(hostname) in *-b) exit 4;; esac' 2>/dev/null"
	[ "$status" -eq 4 ]
	[ "$output" = "$want" ]
}

@test "stopped and unknown sandboxes: one line saying how to start them" {
	run sandbox "$D" --cmd true
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_contains "$output" "sandbox-start $D"
	run sandbox "nope-$SB_RUN"
	[ "$status" -eq 1 ]
	assert_contains "$output" "sandbox-start nope-$SB_RUN"
	run sandbox "$A" "$D"
	[ "$status" -eq 1 ]
	assert_contains "$output" "sandbox-start $D"
	run sandbox "$A" --bogus
	[ "$status" -eq 2 ]
}

@test "two names: a two-pane tmux session, and a second call reuses it" {
	local s="sandbox-${A}_${B}"
	t new-window -t keep -n first \
		"env -u TMUX TMUX_TMPDIR='$INNER' $SB $A $B; sleep 600"
	local i
	for ((i = 0; i < 100; i++)); do
		inner has-session -t "=$s" 2>/dev/null && break
		sleep 0.1
	done
	# The panes get their names just after the session appears.
	for ((i = 0; i < 100; i++)); do
		[ "$(inner list-panes -t "=$s" -F '#{@sandbox}|#{pane_title}')" = \
		  "$A|$A"$'\n'"$B|$B" ] && break
		sleep 0.1
	done
	run inner list-panes -t "=$s" -F '#{@sandbox}|#{pane_title}'
	[ "$status" -eq 0 ]
	[ "$output" = "$A|$A"$'\n'"$B|$B" ]
	local panes created
	panes=$(inner list-panes -t "=$s" -F '#{pane_id}')
	created=$(inner display -p -t "=$s" '#{session_created}')

	# Each pane runs a session in its own sandbox.
	local p2
	p2=$(echo "$panes" | sed -n 2p)
	sleep 1
	inner send-keys -t "$p2" 'echo "[host=$(hostname)]"' Enter
	for ((i = 0; i < 100; i++)); do
		inner capture-pane -p -t "$p2" | grep -qF "[host=agent-$B]" && break
		sleep 0.1
	done
	inner capture-pane -p -t "$p2" | grep -qF "[host=agent-$B]"

	# A second call attaches to the same session instead of replacing it.
	t new-window -t keep -n second \
		"env -u TMUX TMUX_TMPDIR='$INNER' $SB $A $B; sleep 600"
	for ((i = 0; i < 100; i++)); do
		[ "$(inner list-clients -t "=$s" | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	[ "$(inner list-clients -t "=$s" | wc -l)" -eq 2 ]
	[ "$(inner list-panes -t "=$s" -F '#{pane_id}')" = "$panes" ]
	[ "$(inner display -p -t "=$s" '#{session_created}')" = "$created" ]
	[ "$(inner list-sessions | wc -l)" -eq 1 ]

	# Inside tmux: a new window, not a nested client.
	t new-window -t keep -n nested "$SB $A $B; sleep 600"
	for ((i = 0; i < 100; i++)); do
		t list-windows -t keep -F '#{window_name}' | grep -qx "$s" && break
		sleep 0.1
	done
	for ((i = 0; i < 100; i++)); do
		[ "$(t list-panes -t "keep:$s" -F '#{@sandbox}')" = "$A"$'\n'"$B" ] && break
		sleep 0.1
	done
	run t list-panes -t "keep:$s" -F '#{@sandbox}'
	[ "$output" = "$A"$'\n'"$B" ]
	t kill-window -t "keep:$s"
	t kill-window -t keep:first
	t kill-window -t keep:second
}

@test "--ssh-config prints the Host block, with ProxyJump for --jump" {
	incus config device add "agent-$D" ssh-proxy proxy \
		listen=tcp:127.0.0.1:2299 connect=tcp:127.0.0.1:22 >/dev/null
	local h="$BATS_TEST_TMPDIR/home"
	mkdir -p "$h/.ssh"
	touch "$h/.ssh/id_rsa" "$h/.ssh/id_rsa.pub" "$h/.ssh/id_ecdsa"
	run env -u SUDO_USER HOME="$h" sandbox "$D" --ssh-config --jump me@server
	[ "$status" -eq 0 ]
	[ "$output" = "Host sandbox-$D
  HostName localhost
  Port 2299
  User ubuntu
  IdentityFile $h/.ssh/id_rsa
  ProxyJump me@server" ]
}
