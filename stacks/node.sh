#!/bin/bash
# golden-node: Node.js tooling.  Node.js and npm are in base already; yarn
# comes from the Debian archive, and from the npm registry what the
# archive lacks or has only in versions years old (eslint 6, TypeScript
# 4.9): pnpm, eslint, prettier, c8 and TypeScript.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
apt-get update
apt-get install -y --no-install-recommends yarnpkg
# Debian calls it yarnpkg (a yarn command of its own once existed there).
if ! command -v yarn >/dev/null; then
	ln -s /usr/bin/yarnpkg /usr/local/bin/yarn
fi
npm install -g --no-fund --no-audit pnpm eslint prettier c8 typescript
apt-get clean
for t in node npm yarn pnpm eslint prettier c8 tsc; do
	v=$($t --version 2>&1 | head -n 1)
	case $v in "$t"*) ;; *) v="$t $v" ;; esac
	echo "== version: $v"
done
