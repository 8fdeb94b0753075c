#!/usr/bin/env bats
# Stacks: every shipped stack's tools answer as the sandbox user in a
# login shell, cargo builds an edition-2021 crate, custom stacks from
# ~/.sandbox/stacks (one on a parent of its own), and the shared caches of
# --cache sandboxes.  tests/integration/run builds the shipped stacks
# beforehand (once per machine and release).

load helpers

setup_file() {
	export HOME=$BATS_FILE_TMPDIR/home
	mkdir -p "$HOME/.sandbox/stacks"
}

teardown_file() {
	sb_cleanup
	for s in "${SB_RUN}p" "${SB_RUN}c" "${SB_RUN}o"; do
		incus delete --force "${SANDBOX_GOLDEN_PREFIX:-golden-}$s" \
			>/dev/null 2>&1 || true
	done
}

# Runs a login shell's command as ubuntu in sandbox $1.
in_sb() {
	sandbox "$1" --cmd "$2"
}

@test "--list-stacks shows release, parent, origin and tool versions" {
	run sandbox-setup --list-stacks
	[ "$status" -eq 0 ]
	assert_contains "$output" "STACK"
	for s in base python node rust go; do
		line=$(printf '%s\n' "$output" | grep "^$s ")
		assert_contains "$line" "ready"
		assert_contains "$line" "trixie"
		assert_contains "$line" "shipped"
	done
	assert_contains "$output" "rustc 1.8"
	assert_contains "$output" "go version go1.24"
	assert_contains "$output" "Python 3.13"
	assert_contains "$output" "pnpm"
}

@test "the rust stack: tools answer, git over the CLI, a 2021 crate builds" {
	local n=$SB_RUN-rs
	run sandbox-start "$n" --stack rust
	[ "$status" -eq 0 ]
	run in_sb "$n" 'rustc --version && cargo --version &&
		cargo clippy --version && rustfmt --version &&
		echo "fetch=$CARGO_NET_GIT_FETCH_WITH_CLI" &&
		test -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library" &&
		echo rust-src'
	[ "$status" -eq 0 ]
	assert_contains "$output" "rustc 1.8"
	assert_contains "$output" "clippy"
	assert_contains "$output" "rustfmt"
	assert_contains "$output" "fetch=true"
	assert_contains "$output" "rust-src"
	run in_sb "$n" 'set -e; mkdir -p /tmp/hello/src && cd /tmp/hello &&
		printf "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n" > Cargo.toml &&
		printf "fn main() { let v: Vec<u8> = vec![1, 2]; println!(\"sum {}\", v.iter().sum::<u8>()); }\n" > src/main.rs &&
		cargo build --offline 2>&1 && ./target/debug/hello'
	[ "$status" -eq 0 ]
	assert_contains "$output" "sum 3"
	sandbox-stop -q --rm "$n"
}

@test "the go, python and node stacks: tools answer as ubuntu" {
	sandbox-start "$SB_RUN-go" --stack go -q
	sandbox-start "$SB_RUN-py" --stack python -q
	sandbox-start "$SB_RUN-nd" --stack node -q
	run in_sb "$SB_RUN-go" 'go version && gopls version && govulncheck -version'
	[ "$status" -eq 0 ]
	assert_contains_all "$output" go1.24 gopls "Scanner: govulncheck"
	run in_sb "$SB_RUN-py" 'python3 --version && poetry --version &&
		mypy --version && bandit --version && black --version &&
		pytest --version && coverage --version && pipx --version'
	[ "$status" -eq 0 ]
	assert_contains_all "$output" "Python 3.13" Poetry mypy bandit black \
		pytest Coverage
	run in_sb "$SB_RUN-nd" 'node --version && npm --version &&
		pnpm --version && yarn --version && eslint --version &&
		prettier --version && c8 --version && tsc --version'
	[ "$status" -eq 0 ]
	assert_contains "$output" "v20."
	assert_contains "$output" "Version"
	sandbox-stop -q --rm "$SB_RUN-go" "$SB_RUN-py" "$SB_RUN-nd"
}

@test "a custom stack builds on demand; one with a parent builds on it" {
	local p=${SB_RUN}p ch=${SB_RUN}c
	printf '#!/bin/bash\nset -e\necho parent-made > /etc/sandbox-parent\necho "== version: parent 1.0"\n' \
		> "$HOME/.sandbox/stacks/$p.sh"
	printf '#!/bin/bash\n# parent: %s\nset -e\ntest -f /etc/sandbox-parent\necho child-made > /etc/sandbox-child\n' \
		"$p" > "$HOME/.sandbox/stacks/$ch.sh"
	run sandbox-setup --list-stacks
	assert_contains "$output" "$ch"
	line=$(printf '%s\n' "$output" | grep "^$ch ")
	assert_contains "$line" "not built"
	assert_contains "$line" "$p"
	assert_contains "$line" "user $HOME/.sandbox/stacks/$ch.sh"
	run sandbox-start "$SB_RUN-cu" --stack "$ch"
	[ "$status" -eq 0 ]
	[ "$(incus config get "${SANDBOX_GOLDEN_PREFIX:-golden-}$ch" user.sandbox.stack-parent)" = "$p" ]
	[ "$(incus config get "${SANDBOX_GOLDEN_PREFIX:-golden-}$p" user.sandbox.versions)" = "parent 1.0" ]
	run in_sb "$SB_RUN-cu" 'cat /etc/sandbox-parent /etc/sandbox-child'
	[ "$status" -eq 0 ]
	assert_contains "$output" "parent-made"
	assert_contains "$output" "child-made"
	sandbox-stop -q --rm "$SB_RUN-cu"
}

@test "a user's stack overrides a shipped one; a bad parent leaves nothing" {
	local o=${SB_RUN}o
	printf '#!/bin/bash\n# parent: %s-none\ntrue\n' "$SB_RUN" \
		> "$HOME/.sandbox/stacks/$o.sh"
	run sandbox-setup --stack "$o"
	[ "$status" -eq 1 ]
	assert_contains "$output" "unknown stack '$SB_RUN-none'"
	run incus info "${SANDBOX_GOLDEN_PREFIX:-golden-}$o"
	[ "$status" -ne 0 ]
	printf '#!/bin/bash\ntrue\n' > "$HOME/.sandbox/stacks/go.sh"
	run sandbox-setup --list-stacks
	line=$(printf '%s\n' "$output" | grep "^go ")
	assert_contains "$line" "user $HOME/.sandbox/stacks/go.sh, overrides"
	rm -f "$HOME/.sandbox/stacks/go.sh"
	run sandbox-start "$SB_RUN-bad" --stack "Bad_Name"
	[ "$status" -eq 1 ]
	assert_contains "$output" "invalid stack 'Bad_Name'"
}

@test "--cache: what one sandbox downloaded another installs offline" {
	local a=$SB_RUN-ca b=$SB_RUN-cb n=$SB_RUN-nc
	run sandbox-start "$a" --cache
	[ "$status" -eq 0 ]
	sandbox-start "$n" -q
	# (--from inheriting --cache is in creds.bats: --from needs a
	# repository.)
	run sandbox-start "$b" --cache
	[ "$status" -eq 0 ]
	[ "$(incus config get "agent-$b" user.sandbox.cache)" = yes ]
	run in_sb "$a" 'mkdir -p /tmp/p && cd /tmp/p && npm init -y >/dev/null &&
		npm install --no-audit --no-fund is-number@7.0.0 &&
		test -d node_modules/is-number && echo installed'
	[ "$status" -eq 0 ]
	assert_contains "$output" "installed"
	run in_sb "$b" 'mkdir -p /tmp/p && cd /tmp/p && npm init -y >/dev/null &&
		npm install --offline --no-audit --no-fund is-number@7.0.0 &&
		test -d node_modules/is-number && echo offline-ok'
	[ "$status" -eq 0 ]
	assert_contains "$output" "offline-ok"
	run in_sb "$n" 'mkdir -p /tmp/p && cd /tmp/p && npm init -y >/dev/null &&
		npm install --offline --no-audit --no-fund is-number@7.0.0'
	[ "$status" -ne 0 ]
	run in_sb "$n" 'ls /var/cache/sandbox 2>&1; echo "npm=${npm_config_cache:-unset}"'
	assert_contains "$output" "npm=unset"
	run in_sb "$a" 'stat -c %u /var/cache/sandbox/npm /var/cache/sandbox/go &&
		readlink ~/.cargo/registry && echo "go=$GOMODCACHE pip=$PIP_CACHE_DIR"'
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^1000$')" -eq 2 ]
	assert_contains "$output" "/var/cache/sandbox/cargo/registry"
	assert_contains "$output" "go=/var/cache/sandbox/go pip=/var/cache/sandbox/pip"
	run sandbox-list --json
	[ "$status" -eq 0 ]
	cache_of() {
		python3 -c 'import json,sys
print(str([s["cache"] for s in json.load(sys.stdin) if s["name"] == sys.argv[1]][0]).lower())' "$1"
	}
	[ "$(printf '%s' "$output" | cache_of "$a")" = true ]
	[ "$(printf '%s' "$output" | cache_of "$n")" = false ]
}

@test "--clear-cache empties the shared caches while sandboxes use them" {
	local b=$SB_RUN-cb
	run sandbox-setup --clear-cache npm
	[ "$status" -eq 0 ]
	assert_contains "$output" "1 emptied"
	run in_sb "$b" 'rm -rf /tmp/q && mkdir -p /tmp/q && cd /tmp/q &&
		npm init -y >/dev/null &&
		npm install --offline --no-audit --no-fund is-number@7.0.0'
	[ "$status" -ne 0 ]
	run sandbox-setup --clear-cache rubygems
	[ "$status" -eq 1 ]
	assert_contains "$output" "unknown cache 'rubygems'"
	sandbox-stop -q --rm "$SB_RUN-ca" "$SB_RUN-cb" "$SB_RUN-nc"
}
