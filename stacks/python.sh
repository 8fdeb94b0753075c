#!/bin/bash
# golden-python: Python tooling from the Debian archive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3-pip python3-venv \
	python3-dev pipx python3-pytest
apt-get clean
