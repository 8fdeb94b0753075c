/* The nftables script text (see firewall.h): the host-wide base table and
 * one sandbox's set elements.  Only strings are built here, so all of it
 * is unit-tested without a kernel. */
#include "net/firewall.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "model/sandbox.h"
#include "net/firewall_internal.h"

/* Ranges refused by default: private (RFC 1918), carrier-grade NAT (RFC
 * 6598), link-local with the cloud metadata address 169.254.169.254 (RFC
 * 3927), "this network" 0.0.0.0/8, loopback (a sandbox with its own
 * route_localnet could aim at the host's 127.0.0.1 services), and
 * multicast, reserved and broadcast (224.0.0.0/3); IPv6 unique-local and
 * link-local. */
static const char private4[] = "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, "
			       "127.0.0.0/8, 169.254.0.0/16, "
			       "172.16.0.0/12, 192.168.0.0/16, "
			       "224.0.0.0/3";
static const char private6[] = "fc00::/7, fe80::/10";

/* Everything we paste into a ruleset is checked first, so a stray quote
 * or brace can never change the meaning of the script. */
int
sb_fw_check_ifname(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 15)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return -1;
	return 0;
}

static int
check_ipv4(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1 ? 0 : -1;
}

static int
check_port(int port)
{
	return port >= 1 && port <= 65535 ? 0 : -1;
}

static char *
finish(struct sb_buf *b, struct sb_error **err)
{
	if (b->overflow || !b->data) {
		sb_buf_release(b);
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_buf_take(b);
}

/* The sets.  Per-sandbox elements live in the last three. */
static void
base_sets(struct sb_buf *b, const char *br)
{
	sb_buf_appendf(b,
		       "# sandbox: host firewall for the %s bridge "
		       "(generated)\n"
		       "add table " T "\n"
		       "add set " T " private4 { type ipv4_addr; "
		       "flags interval; }\n"
		       "flush set " T " private4\n"
		       "add element " T " private4 { %s }\n"
		       "add set " T " private6 { type ipv6_addr; "
		       "flags interval; }\n"
		       "flush set " T " private6\n"
		       "add element " T " private6 { %s }\n"
		       "add set " T " restricted4 { type ipv4_addr; }\n"
		       "add set " T " cidr4 { type ipv4_addr . ipv4_addr; "
		       "flags interval; }\n"
		       "add set " T " ports4 { type ipv4_addr . inet_proto . "
		       "inet_service; }\n",
		       br, private4, private6);
}

/* Priorities: before Incus's own chains (filter, dstnat), so our
 * verdicts come first.  An accept here still lets Incus's chains see the
 * packet; a drop or reject is final. */
static void
base_chains(struct sb_buf *b)
{
	sb_buf_appendf(b, "add chain " T " forward { type filter "
			  "hook forward priority filter - 10; "
			  "policy accept; }\n"
			  "add chain " T " input { type filter "
			  "hook input priority filter - 10; "
			  "policy accept; }\n"
			  "add chain " T " prerouting { type nat "
			  "hook prerouting priority dstnat - 10; "
			  "policy accept; }\n"
			  "add chain " T " postrouting { type nat "
			  "hook postrouting priority srcnat - 10; "
			  "policy accept; }\n"
			  "add chain " T " from_sandbox\n"
			  "add chain " T " to_host\n"
			  "add chain " T " web_filter\n"
			  "flush chain " T " forward\n"
			  "flush chain " T " input\n"
			  "flush chain " T " prerouting\n"
			  "flush chain " T " postrouting\n"
			  "flush chain " T " from_sandbox\n"
			  "flush chain " T " to_host\n"
			  "flush chain " T " web_filter\n");
}

/* Traffic from the bridge goes through from_sandbox; nothing new enters
 * a sandbox.  The egress policy's order matters: return traffic, then
 * ranges opened by --allow-cidr, then the private-range refusal (which
 * also covers other sandboxes on the bridge subnet), then ports opened by
 * sandbox-expose, then the restricted sandboxes' web ports (normally
 * redirected to Squid before they get here: if they are not, fail
 * closed), then the default ports. */
static void
base_forward(struct sb_buf *b, const char *br)
{
	sb_buf_appendf(b,
		       "add rule " T " forward iifname \"%s\" "
		       "jump from_sandbox\n"
		       "add rule " T " forward oifname \"%s\" ct state "
		       "established,related accept\n"
		       "add rule " T " forward oifname \"%s\" drop\n",
		       br, br, br);
	sb_buf_appendf(b, "add rule " T " from_sandbox "
			  "ct state established,related accept\n"
			  "add rule " T " from_sandbox ct state invalid drop\n"
			  "add rule " T " from_sandbox ip6 daddr @private6 "
			  "reject with icmpx admin-prohibited\n"
			  "add rule " T " from_sandbox meta nfproto ipv6 "
			  "reject with icmpx admin-prohibited\n"
			  "add rule " T " from_sandbox "
			  "ip saddr . ip daddr @cidr4 accept\n"
			  "add rule " T " from_sandbox ip daddr @private4 "
			  "reject with icmpx admin-prohibited\n"
			  "add rule " T " from_sandbox "
			  "ip saddr . meta l4proto . th dport @ports4 accept\n"
			  "add rule " T " from_sandbox ip saddr @restricted4 "
			  "tcp dport { 80, 443 } reject with tcp reset\n"
			  "add rule " T " from_sandbox ip saddr @restricted4 "
			  "udp dport 443 drop\n"
			  "add rule " T " from_sandbox "
			  "tcp dport { 22, 80, 443 } accept\n"
			  "add rule " T " from_sandbox udp dport 443 accept\n"
			  "add rule " T " from_sandbox meta l4proto tcp "
			  "reject with tcp reset\n"
			  "add rule " T " from_sandbox reject with icmpx "
			  "admin-prohibited\n");
}

/* Services on the host: whatever address of the host a sandbox aims at,
 * only DHCP, DNS on the bridge address and Squid. */
static void
base_to_host(struct sb_buf *b, const struct sb_fw_host *h)
{
	sb_buf_appendf(b,
		       "add rule " T " input iifname \"%s\" jump to_host\n"
		       "add rule " T " to_host ct state established,related "
		       "accept\n"
		       "add rule " T " to_host ip daddr 127.0.0.0/8 drop\n"
		       "add rule " T " to_host udp dport 67 accept\n"
		       "add rule " T " to_host ip daddr %s "
		       "meta l4proto { tcp, udp } th dport 53 accept\n"
		       "add rule " T " to_host ip daddr %s "
		       "tcp dport { %d, %d } accept\n"
		       "add rule " T " to_host meta pkttype != unicast drop\n"
		       "add rule " T " to_host meta l4proto tcp "
		       "reject with tcp reset\n"
		       "add rule " T " to_host reject with icmpx "
		       "admin-prohibited\n",
		       h->bridge, h->bridge4, h->bridge4, h->squid_http,
		       h->squid_https);
}

static void
base_nat(struct sb_buf *b, const struct sb_fw_host *h)
{
	/* The slot ports forward in the kernel (Incus's nat proxies): the
	 * host's own connections to 127.0.0.1:PORT are DNATed to the
	 * sandbox, which could not answer 127.0.0.1, so they leave the
	 * bridge with its address (this needs route_localnet on the bridge,
	 * which is why to_host drops the bridge's traffic to 127.0.0.0/8). */
	sb_buf_appendf(b,
		       "add rule " T " postrouting oifname \"%s\" "
		       "ip saddr 127.0.0.0/8 masquerade\n",
		       h->bridge);
	/* Restricted sandboxes' web traffic goes to Squid, except to ranges
	 * --allow-cidr opened, private ranges (refused in from_sandbox, and
	 * Squid must never become a way into the LAN) and the host's own
	 * addresses (refused in to_host). */
	sb_buf_appendf(b,
		       "add rule " T " prerouting iifname \"%s\" ip saddr "
		       "@restricted4 jump web_filter\n"
		       "add rule " T " web_filter "
		       "ip saddr . ip daddr @cidr4 return\n"
		       "add rule " T " web_filter ip daddr @private4 return\n"
		       "add rule " T " web_filter fib daddr type local "
		       "return\n"
		       "add rule " T " web_filter tcp dport 80 "
		       "redirect to :%d\n"
		       "add rule " T " web_filter tcp dport 443 "
		       "redirect to :%d\n",
		       h->bridge, h->squid_http, h->squid_https);
}

char *
sb_fw_base_script(const struct sb_fw_host *h, struct sb_error **err)
{
	struct sb_buf b = { 0 };
	const char *br = h->bridge, *b4 = h->bridge4;

	if (sb_fw_check_ifname(br) < 0) {
		sb_error_set(err, SB_E_INPUT, "invalid bridge name '%s'",
			     br ? br : "");
		return NULL;
	}
	if (check_ipv4(b4) < 0) {
		sb_error_set(err, SB_E_INPUT,
			     "bridge %s has no usable IPv4 "
			     "address ('%s')",
			     br, b4 ? b4 : "");
		return NULL;
	}
	if (check_port(h->squid_http) < 0 || check_port(h->squid_https) < 0) {
		sb_error_set(err, SB_E_INPUT, "invalid Squid ports %d/%d",
			     h->squid_http, h->squid_https);
		return NULL;
	}
	base_sets(&b, br);
	base_chains(&b);
	base_forward(&b, br);
	base_to_host(&b, h);
	base_nat(&b, h);
	return finish(&b, err);
}

static int
check_sandbox(const char *name, const char *ipv4, struct sb_error **err)
{
	if (sb_name_check(name, err) < 0)
		return -1;
	if (check_ipv4(ipv4) < 0)
		return sb_error_set(err, SB_E_INPUT,
				    "sandbox '%s' has no usable IPv4 address "
				    "('%s')",
				    name, ipv4 ? ipv4 : "");
	return 0;
}

static const char *
proto_name(int proto)
{
	return proto == SB_UDP ? "udp" : proto == SB_TCP ? "tcp" : NULL;
}

/* The keys of the elements the sandbox's settings call for. */
int
sb_fw_sandbox_keys(const struct sb_fw_sandbox *sb, struct sb_buf *b,
		   struct sb_error **err)
{
	if (check_sandbox(sb->name, sb->ipv4, err) < 0)
		return -1;
	sb_buf_append(b, "", 0);
	if (sb->restricted)
		sb_buf_appendf(b, "restricted4\t%s\n", sb->ipv4);
	for (size_t i = 0; i < sb->ncidrs; i++) {
		char c[SB_CIDR_TEXT_MAX];

		if (sb->cidrs[i].family != AF_INET)
			return sb_error_set(err, SB_E_INPUT,
					    "sandbox '%s': only IPv4 ranges "
					    "can be opened "
					    "(the bridge carries IPv4 only)",
					    sb->name);
		sb_cidr_format(&sb->cidrs[i], c);
		sb_buf_appendf(b, "cidr4\t%s . %s\n", sb->ipv4, c);
	}
	for (size_t i = 0; i < sb->nports; i++) {
		const char *p = proto_name(sb->ports[i].proto);

		if (!p || check_port(sb->ports[i].port) < 0)
			return sb_error_set(err, SB_E_INPUT,
					    "sandbox '%s': invalid port %d",
					    sb->name, sb->ports[i].port);
		sb_buf_appendf(b, "ports4\t%s . %s . %d\n", sb->ipv4, p,
			       sb->ports[i].port);
	}
	return 0;
}

char *
sb_fw_render(const char *keys, const char *name, int add, struct sb_error **err)
{
	struct sb_buf b = { 0 };

	sb_buf_append(&b, "", 0);
	for (const char *p = keys; p && *p;) {
		size_t n = strcspn(p, "\n");
		const char *tab = memchr(p, '\t', n);
		/* The set's name before the tab, the key after it. */
		int sl = tab ? (int)(tab - p) : 0;
		int kl = tab ? (int)(n - (size_t)(tab - p) - 1) : 0;

		if (tab && add)
			sb_buf_appendf(&b,
				       "add element " T " %.*s { %.*s "
				       "comment \"%s\" }\n",
				       sl, p, kl, tab + 1, name);
		else if (tab)
			sb_buf_appendf(&b,
				       "delete element " T " %.*s { %.*s }\n",
				       sl, p, kl, tab + 1);
		p += n + (p[n] == '\n');
	}
	return finish(&b, err);
}

char *
sb_fw_sandbox_script(const struct sb_fw_sandbox *sb, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf keys = { 0 };

	if (sb_fw_sandbox_keys(sb, &keys, err) < 0)
		return NULL;
	if (keys.overflow) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_fw_render(keys.data, sb->name, 1, err);
}

char *
sb_fw_port_script(const char *name, const char *ipv4, int proto, int port,
		  int add, struct sb_error **err)
{
	struct sb_buf b = { 0 };
	const char *p = proto_name(proto);

	if (check_sandbox(name, ipv4, err) < 0)
		return NULL;
	if (!p || check_port(port) < 0) {
		sb_error_set(err, SB_E_INPUT,
			     "invalid port %d/%d: want a port 1..65535, tcp "
			     "or udp",
			     port, proto);
		return NULL;
	}
	if (add)
		sb_buf_appendf(&b,
			       "add element " T " ports4 { %s . %s . %d "
			       "comment \"%s\" }\n",
			       ipv4, p, port, name);
	else
		sb_buf_appendf(&b,
			       "delete element " T " ports4 { %s . %s . %d }\n",
			       ipv4, p, port);
	return finish(&b, err);
}
