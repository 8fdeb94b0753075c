#!/bin/bash
# golden-rust: the Rust toolchain from the Debian archive (Debian 13:
# rustc and cargo 1.85 with clippy, rustfmt and rust-src).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends rustc cargo rust-src rustfmt \
	rust-clippy pkg-config libssl-dev
# Cargo's own git client cannot use an ssh-agent; the git CLI can, so git
# dependencies go through it and through the sandbox's agent.  Both for
# login shells and for everything PAM starts.
echo 'export CARGO_NET_GIT_FETCH_WITH_CLI=true' > /etc/profile.d/sandbox-rust.sh
grep -qs '^CARGO_NET_GIT_FETCH_WITH_CLI=' /etc/environment ||
	echo 'CARGO_NET_GIT_FETCH_WITH_CLI=true' >> /etc/environment
apt-get clean
for t in "rustc --version" "cargo --version" "cargo clippy --version" \
	 "rustfmt --version"; do
	echo "== version: $($t 2>&1 | head -n 1)"
done
