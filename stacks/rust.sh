#!/bin/bash
# golden-rust: the Rust toolchain from the Debian archive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends rustc cargo rust-src rustfmt \
	rust-clippy pkg-config libssl-dev
apt-get clean
