#!/bin/bash
# golden-python: Python and its tools from the Debian archive (Debian 13:
# Python 3.13, Poetry, mypy, bandit, black, pytest, coverage and pipx).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3-pip python3-venv \
	python3-dev pipx python3-pytest python3-coverage
# Tools newer releases have that older ones (Debian 12) may lack: install
# what the archive offers, so a stack on an older base still builds.
for p in python3-poetry mypy bandit black; do
	if apt-cache show "$p" >/dev/null 2>&1; then
		apt-get install -y --no-install-recommends "$p"
	fi
done
# Debian names coverage's command python3-coverage; tools call coverage.
if ! command -v coverage >/dev/null && command -v python3-coverage >/dev/null
then
	ln -s "$(command -v python3-coverage)" /usr/local/bin/coverage
fi
apt-get clean
for t in "python3 --version" "pip3 --version" "pipx --version" \
	 "pytest --version" "coverage --version" "poetry --version" \
	 "mypy --version" "bandit --version" "black --version"; do
	command -v "${t%% *}" >/dev/null || continue
	echo "== version: ${t%% *} $($t 2>&1 | grep -m1 -o '[0-9][0-9.]*[0-9]' |
		head -n 1)"
done
