#!/bin/sh
# Installs sandbox on this machine: packages, build, programs and man
# pages, a running Incus, then sandbox-setup (pool, bridge, profile,
# firewall, golden image).  Safe to run twice.
set -eu
cd "$(dirname "$0")"
PREFIX=${PREFIX:-/usr/local}

setup/packages.sh
make -j"$(nproc)"
make install PREFIX="$PREFIX"
setup/incusd.sh
"$PREFIX/bin/sandbox-setup"
