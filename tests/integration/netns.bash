# "The internet" for egress tests, built from network namespaces behind
# veth pairs from the host.  Nothing leaves this machine:
#   inet  198.18.N.2  (198.18.0.0/15 is not in any refused range)
#         TLS on 443 and plain HTTP on 80 answering for any name (the
#         page says which name was asked for), UDP 443 that records what
#         arrives, TCP 25 and 6379 that greet
#         ATTACK_ADDR (198.18.N.3): "an attacker's server", HTTP on 80
#         and TLS on 443, that no allowed name points at; it records
#         every request in $NETNS_DIR/hits-ATTACK_ADDR.log
#   lan   10.123.N.2  a host on a private address (HTTP on 80), for
#         --allow-cidr
#   host  BRIDGE:HOST_PORT an HTTP service on the host's bridge address
# N comes from SB_RUN, so parallel runs do not collide.  netns_up starts
# everything and waits for it; netns_down removes all of it (call it from
# teardown_file, pass or fail).

NETNS_N=$(( 16#${SB_RUN: -2} % 250 + 1 ))
NETNS_INET="sb-$SB_RUN-inet"
NETNS_LAN="sb-$SB_RUN-lan"
INET_ADDR="198.18.$NETNS_N.2"
ATTACK_ADDR="198.18.$NETNS_N.3"
# Names of "the internet": per run, and resolved only by the bridge's DNS
# (netns_dns_add), the resolver the sandboxes and Squid both use.
ALLOWED="allowed-$SB_RUN.test"
DENIED="denied-$SB_RUN.test"
LAN_ADDR="10.123.$NETNS_N.2"
LAN_CIDR="10.123.$NETNS_N.0/24"
NETNS_DIR="${BATS_FILE_TMPDIR:-/tmp}/netns-$SB_RUN"
HOST_PORT=$(( 18000 + NETNS_N ))

_netns_server() {
	cat <<'PY'
import http.server, socket, socketserver, ssl, sys, threading

mode, addr, logdir = sys.argv[1], sys.argv[2], sys.argv[3]

class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        sni = getattr(self.connection, "sni", None)
        host = sni or self.headers.get("Host", "")
        with open("%s/hits-%s.log" % (logdir, addr), "a") as f:
            f.write("%s %s\n" % (host, self.path))
        body = ("page for %s\n" % host).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    def server_bind(self):
        # HTTPServer would look its own name up in DNS, which hangs in
        # a namespace with no resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

class TLSPage(Page):
    def setup(self):
        self.request.settimeout(5)
        self.request.do_handshake()
        http.server.BaseHTTPRequestHandler.setup(self)

def serve(port, tls=False):
    srv = Server((addr, port), TLSPage if tls else Page)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(logdir + "/cert.pem", logdir + "/key.pem")
        def on_sni(sock, name, _ctx):
            sock.sni = name
        ctx.sni_callback = on_sni
        base = srv.get_request
        def get_request():
            s, a = base()
            return ctx.wrap_socket(s, server_side=True,
                                   do_handshake_on_connect=False), a
        srv.get_request = get_request
    threading.Thread(target=srv.serve_forever, daemon=True).start()

def greet(port, text):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    def loop():
        while True:
            c, _ = s.accept()
            try:
                c.sendall(text)
            finally:
                c.close()
    threading.Thread(target=loop, daemon=True).start()

def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    def loop():
        while True:
            data, _ = s.recvfrom(2048)
            with open(logdir + "/udp443.log", "ab") as f:
                f.write(data + b"\n")
    threading.Thread(target=loop, daemon=True).start()

if mode == "attacker":
    serve(80)
    serve(443, tls=True)
elif mode == "inet":
    serve(80)
    serve(443, tls=True)
    greet(25, b"220 smtp ready\r\n")
    greet(6379, b"+PONG\r\n")
    udp(443)
else:
    serve(int(mode))
open(logdir + "/ready-" + mode, "w").close()
threading.Event().wait()
PY
}

# ns_exec NS CMD...: runs CMD inside the namespace, in the background,
# recording its pid for netns_down.
_netns_bg() {
	local ns=$1
	shift
	# fd 3 closed: bats waits for every holder of its output pipe.
	ip netns exec "$ns" "$@" >>"$NETNS_DIR/servers.log" 2>&1 3>&- </dev/null &
	echo $! >>"$NETNS_DIR/pids"
}

_netns_wait() {
	local f=$1 i
	for ((i = 0; i < 100; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.1
	done
	echo "netns: $f never appeared" >&2
	cat "$NETNS_DIR/servers.log" >&2
	return 1
}

netns_up() {
	local br
	mkdir -p "$NETNS_DIR"
	: >"$NETNS_DIR/pids"
	_netns_server >"$NETNS_DIR/server.py"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
		-subj "/CN=allowed.test" \
		-addext "subjectAltName=DNS:allowed.test,DNS:denied.test" \
		-keyout "$NETNS_DIR/key.pem" -out "$NETNS_DIR/cert.pem" \
		2>/dev/null
	netns_pair "$NETNS_INET" "v${SB_RUN}i" "198.18.$NETNS_N.1" \
		"$INET_ADDR" 24
	netns_pair "$NETNS_LAN" "v${SB_RUN}l" "10.123.$NETNS_N.1" \
		"$LAN_ADDR" 24
	_netns_bg "$NETNS_INET" python3 "$NETNS_DIR/server.py" inet \
		"$INET_ADDR" "$NETNS_DIR"
	ip -n "$NETNS_INET" addr add "$ATTACK_ADDR/24" dev eth0
	_netns_bg "$NETNS_INET" python3 "$NETNS_DIR/server.py" attacker \
		"$ATTACK_ADDR" "$NETNS_DIR"
	_netns_bg "$NETNS_LAN" python3 "$NETNS_DIR/server.py" 80 \
		"$LAN_ADDR" "$NETNS_DIR"
	br=$(bridge_addr)
	python3 "$NETNS_DIR/server.py" "$HOST_PORT" "$br" "$NETNS_DIR" \
		>>"$NETNS_DIR/servers.log" 2>&1 3>&- </dev/null &
	echo $! >>"$NETNS_DIR/pids"
	_netns_wait "$NETNS_DIR/ready-inet" &&
		_netns_wait "$NETNS_DIR/ready-attacker" &&
		_netns_wait "$NETNS_DIR/ready-80" &&
		_netns_wait "$NETNS_DIR/ready-$HOST_PORT"
}

netns_down() {
	local p
	if [ -f "$NETNS_DIR/pids" ]; then
		while read -r p; do
			kill "$p" 2>/dev/null
		done <"$NETNS_DIR/pids"
	fi
	ip link del "v${SB_RUN}i" 2>/dev/null
	ip link del "v${SB_RUN}l" 2>/dev/null
	ip netns del "$NETNS_INET" 2>/dev/null
	ip netns del "$NETNS_LAN" 2>/dev/null
	rm -rf "$NETNS_DIR"
	return 0
}

# netns_dns_add NAME ADDR...: NAME resolves to ADDR through the bridge's
# DNS (dnsmasq, via the network's raw.dnsmasq), as a user's names would:
# nothing is pinned in Squid's or the sandbox's own files.  Lines carry
# the run's tag; netns_dns_down removes them.
netns_dns_add() {
	local cur name=$1
	shift
	cur=$(incus network get sandboxbr0 raw.dnsmasq)
	for a in "$@"; do
		cur+=$'\n'"host-record=$name,$a"
	done
	incus network set sandboxbr0 raw.dnsmasq "$(printf '%s\n' "$cur" |
		sed '/^$/d')"
	_netns_dns_wait "$name"
}

# Waits until the bridge's DNS answers for NAME (dnsmasq restarts).
_netns_dns_wait() {
	local i
	for ((i = 0; i < 50; i++)); do
		getent_bridge "$1" >/dev/null && return 0
		sleep 0.1
	done
	echo "netns: the bridge's DNS never resolved $1" >&2
	return 1
}

# The address the bridge's DNS gives for NAME (what a sandbox sees).
getent_bridge() {
	python3 - "$1" "$(bridge_addr)" <<'PY'
import socket, struct, sys
name, server = sys.argv[1], sys.argv[2]
q = struct.pack(">HHHHHH", 0x5b5b, 0x0100, 1, 0, 0, 0)
for part in name.split("."):
    q += bytes([len(part)]) + part.encode()
q += b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, (server, 53))
r = s.recv(512)
an = struct.unpack(">H", r[6:8])[0]
if an == 0:
    sys.exit(1)
print(".".join(str(b) for b in r[-4:]))
PY
}

# Removes every name this run added.
netns_dns_down() {
	local cur
	cur=$(incus network get sandboxbr0 raw.dnsmasq 2>/dev/null) || return 0
	incus network set sandboxbr0 raw.dnsmasq "$(printf '%s\n' "$cur" |
		grep -v -e "$SB_RUN\.test," || true)" 2>/dev/null
	return 0
}

# The host's address on the sandbox bridge.
bridge_addr() {
	ip -4 -o addr show dev sandboxbr0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}
