#!/bin/sh
# Installs what sandbox needs to build, run and be tested, from the
# distribution's own archive.  On Debian 12 Incus comes from
# bookworm-backports: that suite is added with the same mirror and keyring
# as the configured main suite, so no host name is ever hard-coded here.
# Safe to run any number of times.
set -eu

[ "$(id -u)" = 0 ] || { echo "setup/packages.sh: run as root" >&2; exit 1; }
. /etc/os-release
codename=${VERSION_CODENAME:-}

# Prints "URI<TAB>Signed-By" of the first configured source that serves
# $codename, from deb822 files or one-line sources.list entries.
main_source() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v want="$codename" '
			function flush() {
				if (uri != "" && suites ~ ("(^| )" want "( |$)"))
					{ print uri "\t" key; found = 1; exit }
				uri = ""; suites = ""; key = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { $1 = ""; suites = $0; sub(/^ /, "", suites) }
			/^Signed-By:/ { key = $2 }
			END { if (!found) flush() }
		' "$f" | head -n 1
	done | head -n 1
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v want="$codename" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i + 1) == want) { print $i "\t"; exit }
			}' "$f"
	done | head -n 1
}

add_backports() {
	if grep -rqsE "(^|[ \t])$codename-backports([ \t]|$)" \
		/etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	src=$(main_source | head -n 1)
	uri=$(printf '%s' "$src" | cut -f1)
	key=$(printf '%s' "$src" | cut -f2)
	if [ -z "$uri" ]; then
		echo "setup/packages.sh: no apt source for $codename found;" \
		     "add $codename-backports by hand" >&2
		exit 1
	fi
	{
		echo "Types: deb"
		echo "URIs: $uri"
		echo "Suites: $codename-backports"
		echo "Components: main"
		[ -n "$key" ] && echo "Signed-By: $key"
	} > /etc/apt/sources.list.d/sandbox-backports.sources
	echo "added $codename-backports from $uri"
}

incus_suite=
if [ "${ID:-}" = debian ] && [ "$codename" = bookworm ]; then
	add_backports
	incus_suite="-t bookworm-backports"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || apt-get update

build="build-essential pkg-config libcurl4-openssl-dev libjson-c-dev
       libssh-dev libssl-dev libnftables-dev
       libnetfilter-conntrack-dev"
runtime="btrfs-progs dnsmasq-base squid-openssl openssh-client tmux nftables debootstrap
	 iproute2 ca-certificates curl"
tests="bats openssh-server python3 valgrind clang clang-format libclang-rt-14-dev git
       socat conntrack"

# With their recommends: Incus needs dnsmasq for its bridges and uses
# AppArmor where the kernel has it.
# shellcheck disable=SC2086
apt-get install -y -q $incus_suite incus-base incus-client
# shellcheck disable=SC2086
apt-get install -y -q $build $runtime $tests
