#!/bin/bash
# golden-base: what every sandbox has.  Runs as root inside the golden
# container, from the Debian archive the image was bootstrapped from and
# the npm registry only.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
echo "== stacks/base.sh"

apt-get update
apt-get -y dist-upgrade
apt-get install -y --no-install-recommends \
	sudo openssh-server git curl ca-certificates tmux ripgrep jq less \
	python3 build-essential docker.io nodejs npm procps iproute2 \
	iputils-ping netcat-openbsd locales vim-tiny
# Debian 13 ships the docker command apart from the daemon.
if apt-cache show docker-cli >/dev/null 2>&1; then
	apt-get install -y --no-install-recommends docker-cli
fi

# The sandbox user: uid/gid 1000, passwordless sudo, in the docker group.
if ! getent passwd 1000 >/dev/null; then
	groupadd --gid 1000 ubuntu
	useradd --uid 1000 --gid 1000 --create-home --home-dir /home/ubuntu \
		--shell /bin/bash ubuntu
fi
usermod -aG sudo,docker "$(getent passwd 1000 | cut -d: -f1)"
echo 'ubuntu ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-sandbox
chmod 0440 /etc/sudoers.d/90-sandbox
install -d -m 0700 -o 1000 -g 1000 /home/ubuntu/.ssh
install -d -m 0700 /root/.ssh

# Key-only SSH.  Host keys are made per sandbox at first boot (below), so
# clones of this image never share them.
cat > /etc/ssh/sshd_config.d/50-sandbox.conf <<'CONF'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
AcceptEnv LANG LC_*
CONF
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/sandbox-hostkeys.service <<'UNIT'
[Unit]
Description=Generate this sandbox's own SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key
ExecStart=/usr/bin/ssh-keygen -q -t ecdsa -N "" -f /etc/ssh/ssh_host_ecdsa_key

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable sandbox-hostkeys.service ssh.service

# The agent socket and the environment every login shell gets.
cat > /etc/profile.d/sandbox-agent.sh <<'PROF'
export SSH_AUTH_SOCK=/run/ssh-agent.sock
PROF
sed -i 's/^# *\(en_US.UTF-8\)/\1/' /etc/locale.gen
locale-gen

install -d -m 0755 /workspace
install -d -m 0755 -o 1000 -g 1000 /workspace/project

# Certificate authorities the host trusts beyond the distribution's (a
# TLS-inspecting proxy's, a company's): sandbox-setup pushes the host's
# bundle, and every certificate missing here is added.
if [ -s /root/sandbox-host-ca.crt ]; then
	dir=/usr/local/share/ca-certificates/sandbox-host
	mkdir -p "$dir"
	awk -v dir="$dir" '
		FNR == NR { if (/BEGIN CERT/) b = ""; b = b $0 "\n"
			    if (/END CERT/) known[b] = 1; next }
		/BEGIN CERT/ { b = "" }
		{ b = b $0 "\n" }
		/END CERT/ { if (!(b in known)) { n++; f = dir "/host-" n ".crt"
			     printf "%s", b > f; close(f) } }
	' /etc/ssl/certs/ca-certificates.crt /root/sandbox-host-ca.crt
	echo "host certificate authorities added: $(ls "$dir" | wc -l)"
	update-ca-certificates
	rm -f /root/sandbox-host-ca.crt
fi
# Node.js keeps its own list; make it use the system's, for npm and for
# Claude Code alike.
echo 'export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
	> /etc/profile.d/sandbox-ca.sh
export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

# Claude Code, from the npm registry.
npm install -g --no-fund --no-audit @anthropic-ai/claude-code
claude --version || true

apt-get clean
. /etc/os-release
echo "== version: Debian $VERSION_ID ($VERSION_CODENAME)"
for t in "node --version" "npm --version" "git --version" \
	 "python3 --version" "docker --version" "claude --version"; do
	v=$($t 2>&1 | head -n 1)
	case $v in "${t%% *}"* | [A-Z]*) ;; *) v="${t%% *} $v" ;; esac
	echo "== version: $v"
done
echo "== stacks/base.sh done"
