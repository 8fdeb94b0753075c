#!/bin/bash
# golden-go: the Go toolchain from the Debian archive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends golang-go gopls
apt-get clean
