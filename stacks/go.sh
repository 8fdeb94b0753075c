#!/bin/bash
# golden-go: Go from the Debian archive (Debian 13: Go 1.24) with gopls and
# govulncheck.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends golang-go gopls govulncheck \
	pkg-config
apt-get clean
echo "== version: $(go version)"
echo "== version: gopls $(gopls version 2>&1 | head -n 1)"
echo "== version: govulncheck $(govulncheck -version 2>&1 |
	sed -n 's/^Scanner: *//p' | head -n 1)"
