#!/usr/bin/env bats
# Golden images beyond base: a stack built on demand by sandbox-start, a
# failing stack that leaves nothing behind, and --list-stacks.

load helpers

teardown_file() {
	sb_cleanup
	incus delete --force "${SANDBOX_GOLDEN_PREFIX:-golden-}${SB_RUN}broken" >/dev/null 2>&1 || true
	rm -rf "$BATS_FILE_TMPDIR/data"
}

@test "--list-stacks names every shipped stack, whether it is built, its release" {
	run sandbox-setup --list-stacks
	[ "$status" -eq 0 ]
	for s in base python node rust go; do
		assert_contains "$output" "$s"
	done
	line=$(printf '%s\n' "$output" | grep '^base ')
	assert_contains "$line" "base         ready      trixie"
	assert_contains "$line" "shipped $ROOT/stacks/base.sh"
	assert_contains "$output" "    Debian 13 (trixie)"
	# As JSON and CSV too.
	run sandbox-setup --list-stacks --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[] | select(.stack == "base") | .state')" = ready ]
	[ "$(echo "$output" | jq -r '.[] | select(.stack == "rust") | .parent')" = base ]
	run sandbox-setup --list-stacks --format csv
	[ "${lines[0]}" = "stack,state,release,age,parent,from,path" ]
	assert_contains "$output" "base,ready,trixie,"
	run sandbox-setup --format json
	[ "$status" -eq 2 ]
}

@test "a failing stack shows its log's end and leaves no golden image" {
	local data=$BATS_FILE_TMPDIR/data st=${SB_RUN}broken
	mkdir -p "$data/stacks"
	cp "$ROOT"/stacks/*.sh "$data/stacks/"
	printf '#!/bin/bash\necho "about to fail"\nexit 3\n' > "$data/stacks/$st.sh"
	SANDBOX_DATADIR=$data run sandbox-setup --stack "$st"
	[ "$status" -eq 1 ]
	assert_contains "$output" "about to fail"
	assert_contains "$output" "exit status 3"
	assert_contains "$output" "/var/log/sandbox/${SANDBOX_GOLDEN_PREFIX:-golden-}$st.log"
	run incus info "${SANDBOX_GOLDEN_PREFIX:-golden-}$st"
	[ "$status" -ne 0 ]
	grep -q "about to fail" "/var/log/sandbox/${SANDBOX_GOLDEN_PREFIX:-golden-}$st.log"
}

@test "sandbox-start --stack python builds golden-python on demand and uses it" {
	local n=$SB_RUN-py
	run sandbox-start "$n" --stack python
	[ "$status" -eq 0 ]
	assert_contains "$output" "stack python"
	run incus info "${SANDBOX_GOLDEN_PREFIX:-golden-}python"
	assert_contains "$output" "ready"
	[ "$(incus config get "agent-$n" user.sandbox.stack)" = python ]
	run sandbox "$n" --cmd 'python3 -m venv /tmp/v && /tmp/v/bin/pip --version'
	[ "$status" -eq 0 ]
	assert_contains "$output" "pip"
	sandbox-stop -q --rm "$n"
}
