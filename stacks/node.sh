#!/bin/bash
# golden-node: Node.js tooling (Node.js and npm are in base already).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends yarnpkg
npm install -g --no-fund --no-audit typescript
apt-get clean
