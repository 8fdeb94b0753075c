/* The nftables table of our own (see firewall.h). */
#include "net/firewall.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "model/sandbox.h"

#define T SB_FW_FAMILY " " SB_FW_TABLE

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
static int
check_ifname(const char *s)
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

char *
sb_fw_base_script(const struct sb_fw_host *h, struct sb_error **err)
{
	struct sb_buf b = { 0 };
	const char *br = h->bridge, *b4 = h->bridge4;

	if (check_ifname(br) < 0) {
		sb_error_set(err, SB_E_INPUT, "invalid bridge name '%s'",
			     br ? br : "");
		return NULL;
	}
	if (check_ipv4(b4) < 0) {
		sb_error_set(err, SB_E_INPUT, "bridge %s has no usable IPv4 "
			     "address ('%s')", br, b4 ? b4 : "");
		return NULL;
	}
	if (check_port(h->squid_http) < 0 || check_port(h->squid_https) < 0) {
		sb_error_set(err, SB_E_INPUT, "invalid Squid ports %d/%d",
			     h->squid_http, h->squid_https);
		return NULL;
	}
	sb_buf_appendf(&b,
		"# sandbox: host firewall for the %s bridge (generated)\n"
		"add table " T "\n"
		"add set " T " private4 { type ipv4_addr; flags interval; }\n"
		"flush set " T " private4\n"
		"add element " T " private4 { %s }\n"
		"add set " T " private6 { type ipv6_addr; flags interval; }\n"
		"flush set " T " private6\n"
		"add element " T " private6 { %s }\n"
		"add set " T " restricted4 { type ipv4_addr; }\n"
		"add set " T " cidr4 { type ipv4_addr . ipv4_addr; "
		"flags interval; }\n"
		"add set " T " ports4 { type ipv4_addr . inet_proto . "
		"inet_service; }\n",
		br, private4, private6);
	/* Priorities: before Incus's own chains (filter, dstnat), so our
	 * verdicts come first.  An accept here still lets Incus's chains
	 * see the packet; a drop or reject is final. */
	sb_buf_appendf(&b,
		"add chain " T " forward { type filter hook forward "
		"priority filter - 10; policy accept; }\n"
		"add chain " T " input { type filter hook input "
		"priority filter - 10; policy accept; }\n"
		"add chain " T " prerouting { type nat hook prerouting "
		"priority dstnat - 10; policy accept; }\n"
		"add chain " T " postrouting { type nat hook postrouting "
		"priority srcnat - 10; policy accept; }\n"
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
	sb_buf_appendf(&b,
		"add rule " T " forward iifname \"%s\" jump from_sandbox\n"
		"add rule " T " forward oifname \"%s\" ct state "
		"established,related accept\n"
		"add rule " T " forward oifname \"%s\" drop\n",
		br, br, br);
	/* The egress policy.  Order matters: return traffic, then ranges
	 * opened by --allow-cidr, then the private-range refusal (which
	 * also covers other sandboxes on the bridge subnet), then ports
	 * opened by sandbox-expose, then the restricted sandboxes' web
	 * ports (normally redirected to Squid before they get here: if
	 * they are not, fail closed), then the default ports. */
	sb_buf_appendf(&b,
		"add rule " T " from_sandbox ct state established,related "
		"accept\n"
		"add rule " T " from_sandbox ct state invalid drop\n"
		"add rule " T " from_sandbox ip6 daddr @private6 "
		"reject with icmpx admin-prohibited\n"
		"add rule " T " from_sandbox meta nfproto ipv6 "
		"reject with icmpx admin-prohibited\n"
		"add rule " T " from_sandbox ip saddr . ip daddr @cidr4 "
		"accept\n"
		"add rule " T " from_sandbox ip daddr @private4 "
		"reject with icmpx admin-prohibited\n"
		"add rule " T " from_sandbox ip saddr . meta l4proto . "
		"th dport @ports4 accept\n"
		"add rule " T " from_sandbox ip saddr @restricted4 "
		"tcp dport { 80, 443 } reject with tcp reset\n"
		"add rule " T " from_sandbox ip saddr @restricted4 "
		"udp dport 443 drop\n"
		"add rule " T " from_sandbox tcp dport { 22, 80, 443 } "
		"accept\n"
		"add rule " T " from_sandbox udp dport 443 accept\n"
		"add rule " T " from_sandbox meta l4proto tcp "
		"reject with tcp reset\n"
		"add rule " T " from_sandbox reject with icmpx "
		"admin-prohibited\n");
	/* Services on the host: whatever address of the host a sandbox
	 * aims at, only DHCP, DNS on the bridge address and Squid. */
	sb_buf_appendf(&b,
		"add rule " T " input iifname \"%s\" jump to_host\n"
		"add rule " T " to_host ct state established,related accept\n"
		"add rule " T " to_host ip daddr 127.0.0.0/8 drop\n"
		"add rule " T " to_host udp dport 67 accept\n"
		"add rule " T " to_host ip daddr %s meta l4proto { tcp, udp } "
		"th dport 53 accept\n"
		"add rule " T " to_host ip daddr %s tcp dport { %d, %d } "
		"accept\n"
		"add rule " T " to_host meta pkttype != unicast drop\n"
		"add rule " T " to_host meta l4proto tcp reject with tcp "
		"reset\n"
		"add rule " T " to_host reject with icmpx admin-prohibited\n",
		br, b4, b4, h->squid_http, h->squid_https);
	/* The slot ports forward in the kernel (Incus's nat proxies): the
	 * host's own connections to 127.0.0.1:PORT are DNATed to the
	 * sandbox, which could not answer 127.0.0.1, so they leave the
	 * bridge with its address (this needs route_localnet on the bridge,
	 * which is why to_host drops the bridge's traffic to 127.0.0.0/8). */
	sb_buf_appendf(&b,
		"add rule " T " postrouting oifname \"%s\" ip saddr "
		"127.0.0.0/8 masquerade\n", br);
	/* Restricted sandboxes' web traffic goes to Squid, except to ranges
	 * --allow-cidr opened, private ranges (refused in from_sandbox, and
	 * Squid must never become a way into the LAN) and the host's own
	 * addresses (refused in to_host). */
	sb_buf_appendf(&b,
		"add rule " T " prerouting iifname \"%s\" ip saddr "
		"@restricted4 jump web_filter\n"
		"add rule " T " web_filter ip saddr . ip daddr @cidr4 return\n"
		"add rule " T " web_filter ip daddr @private4 return\n"
		"add rule " T " web_filter fib daddr type local return\n"
		"add rule " T " web_filter tcp dport 80 redirect to :%d\n"
		"add rule " T " web_filter tcp dport 443 redirect to :%d\n",
		br, h->squid_http, h->squid_https);
	return finish(&b, err);
}

static int
check_sandbox(const char *name, const char *ipv4, struct sb_error **err)
{
	if (sb_name_check(name, err) < 0)
		return -1;
	if (check_ipv4(ipv4) < 0)
		return sb_error_set(err, SB_E_INPUT, "sandbox '%s' has no "
				    "usable IPv4 address ('%s')", name,
				    ipv4 ? ipv4 : "");
	return 0;
}

static const char *
proto_name(int proto)
{
	return proto == SB_UDP ? "udp" : proto == SB_TCP ? "tcp" : NULL;
}

/* One line "SET<TAB>KEY" per element the sandbox should have: the same
 * text whether it comes from the sandbox's settings or from the kernel's
 * listing, so the two can be compared. */
static int
sandbox_keys(const struct sb_fw_sandbox *sb, struct sb_buf *b,
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
			return sb_error_set(err, SB_E_INPUT, "sandbox '%s': "
					    "only IPv4 ranges can be opened "
					    "(the bridge carries IPv4 only)",
					    sb->name);
		sb_cidr_format(&sb->cidrs[i], c);
		sb_buf_appendf(b, "cidr4\t%s . %s\n", sb->ipv4, c);
	}
	for (size_t i = 0; i < sb->nports; i++) {
		const char *p = proto_name(sb->ports[i].proto);

		if (!p || check_port(sb->ports[i].port) < 0)
			return sb_error_set(err, SB_E_INPUT, "sandbox '%s': "
					    "invalid port %d", sb->name,
					    sb->ports[i].port);
		sb_buf_appendf(b, "ports4\t%s . %s . %d\n", sb->ipv4, p,
			       sb->ports[i].port);
	}
	return 0;
}

/* Renders "SET<TAB>KEY" lines as add (with the name as comment) or
 * delete commands. */
static char *
render(const char *keys, const char *name, int add, struct sb_error **err)
{
	struct sb_buf b = { 0 };

	sb_buf_append(&b, "", 0);
	for (const char *p = keys; p && *p;) {
		size_t n = strcspn(p, "\n");
		const char *tab = memchr(p, '\t', n);

		if (tab && add)
			sb_buf_appendf(&b, "add element " T " %.*s { %.*s "
				       "comment \"%s\" }\n", (int)(tab - p), p,
				       (int)(n - (size_t)(tab - p) - 1), tab + 1,
				       name);
		else if (tab)
			sb_buf_appendf(&b, "delete element " T " %.*s { %.*s "
				       "}\n", (int)(tab - p), p,
				       (int)(n - (size_t)(tab - p) - 1), tab + 1);
		p += n + (p[n] == '\n');
	}
	return finish(&b, err);
}

char *
sb_fw_sandbox_script(const struct sb_fw_sandbox *sb, struct sb_error **err)
{
	struct sb_buf keys = { 0 };
	char *out;

	if (sandbox_keys(sb, &keys, err) < 0) {
		sb_buf_release(&keys);
		return NULL;
	}
	if (keys.overflow) {
		sb_buf_release(&keys);
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	out = render(keys.data, sb->name, 1, err);
	sb_buf_release(&keys);
	return out;
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
		sb_error_set(err, SB_E_INPUT, "invalid port %d/%d: want a "
			     "port 1..65535, tcp or udp", port, proto);
		return NULL;
	}
	if (add)
		sb_buf_appendf(&b, "add element " T " ports4 { %s . %s . %d "
			       "comment \"%s\" }\n", ipv4, p, port, name);
	else
		sb_buf_appendf(&b, "delete element " T " ports4 { %s . %s . "
			       "%d }\n", ipv4, p, port);
	return finish(&b, err);
}

/* One value of an element key, as nft prints it in JSON: a string
 * (address, protocol name), a number (port), {"prefix": {addr, len}} or
 * {"range": [lo, hi]}. */
static int
value_text(json_object *v, struct sb_buf *b)
{
	json_object *p, *a, *l;

	switch (json_object_get_type(v)) {
	case json_type_string: {
		const char *s = json_object_get_string(v);

		/* Only what nft itself prints for our sets. */
		for (const char *q = s; *q; q++)
			if (!isalnum((unsigned char)*q) && !strchr(".:-", *q))
				return -1;
		return sb_buf_appendf(b, "%s", s);
	}
	case json_type_int:
		return sb_buf_appendf(b, "%d", json_object_get_int(v));
	case json_type_object:
		if (json_object_object_get_ex(v, "prefix", &p) &&
		    json_object_object_get_ex(p, "addr", &a) &&
		    json_object_object_get_ex(p, "len", &l)) {
			if (value_text(a, b) < 0)
				return -1;
			return sb_buf_appendf(b, "/%d", json_object_get_int(l));
		}
		if (json_object_object_get_ex(v, "range", &p) &&
		    json_object_is_type(p, json_type_array) &&
		    json_object_array_length(p) == 2) {
			if (value_text(json_object_array_get_idx(p, 0), b) < 0 ||
			    sb_buf_appendf(b, "-") < 0)
				return -1;
			return value_text(json_object_array_get_idx(p, 1), b);
		}
		return -1;
	default:
		return -1;
	}
}

/* The first component of a key (the sandbox address in our sets). */
static const char *
key_address(json_object *val)
{
	json_object *c;

	if (json_object_is_type(val, json_type_string))
		return json_object_get_string(val);
	if (json_object_is_type(val, json_type_object) &&
	    json_object_object_get_ex(val, "concat", &c) &&
	    json_object_is_type(c, json_type_array) &&
	    json_object_array_length(c) > 0 &&
	    json_object_is_type(json_object_array_get_idx(c, 0),
				json_type_string))
		return json_object_get_string(json_object_array_get_idx(c, 0));
	return NULL;
}

static int
key_text(json_object *val, struct sb_buf *b)
{
	json_object *c;

	if (json_object_is_type(val, json_type_object) &&
	    json_object_object_get_ex(val, "concat", &c) &&
	    json_object_is_type(c, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(c); i++) {
			if (i && sb_buf_appendf(b, " . ") < 0)
				return -1;
			if (value_text(json_object_array_get_idx(c, i), b) < 0)
				return -1;
		}
		return 0;
	}
	return value_text(val, b);
}

/* Sets that hold per-sandbox elements; the others are host-wide. */
static int
per_sandbox_set(const char *set)
{
	return strcmp(set, "restricted4") == 0 || strcmp(set, "cidr4") == 0 ||
	       strcmp(set, "ports4") == 0;
}

/* The table's listing as a json array, or NULL. */
static json_object *
listing_array(json_object *root)
{
	json_object *arr;

	if (!root || !json_object_object_get_ex(root, "nftables", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	return arr;
}

/* "SET<TAB>KEY" lines for every per-sandbox element commented with name
 * or keyed by addr (either may be NULL). */
static int
existing_keys(json_object *arr, const char *name, const char *addr,
	      struct sb_buf *b)
{
	sb_buf_append(b, "", 0);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *set, *sname, *elems;
		const char *sn;

		if (!json_object_object_get_ex(json_object_array_get_idx(arr, i),
					       "set", &set) ||
		    !json_object_object_get_ex(set, "name", &sname) ||
		    !json_object_object_get_ex(set, "elem", &elems) ||
		    !json_object_is_type(elems, json_type_array))
			continue;
		sn = json_object_get_string(sname);
		if (!per_sandbox_set(sn))
			continue;
		for (size_t j = 0; j < json_object_array_length(elems); j++) {
			json_object *e = json_object_array_get_idx(elems, j);
			json_object *inner, *val = e, *comment = NULL;
			const char *ka;
			size_t mark = b->len;

			/* Elements with a comment come as {"elem": {"val",
			 * "comment"}}, plain ones as the bare value. */
			if (json_object_is_type(e, json_type_object) &&
			    json_object_object_get_ex(e, "elem", &inner)) {
				json_object_object_get_ex(inner, "val", &val);
				json_object_object_get_ex(inner, "comment",
							  &comment);
			}
			ka = key_address(val);
			if (!((comment && name &&
			       strcmp(json_object_get_string(comment),
				      name) == 0) ||
			      (addr && ka && strcmp(ka, addr) == 0)))
				continue;
			sb_buf_appendf(b, "%s\t", sn);
			if (key_text(val, b) < 0) {
				/* Not something we wrote; leave it alone. */
				b->len = mark;
				b->data[mark] = '\0';
				continue;
			}
			sb_buf_appendf(b, "\n");
		}
	}
	return b->overflow ? -1 : 0;
}

char *
sb_fw_cleanup_script(const char *json, const char *name, const char *addr,
		     struct sb_error **err)
{
	_cleanup_json_ json_object *root = json_tokener_parse(json);
	json_object *arr = listing_array(root);
	struct sb_buf keys = { 0 };
	char *out;

	if (!arr) {
		sb_error_set(err, SB_E_FAIL, "unreadable nftables listing");
		return NULL;
	}
	if (existing_keys(arr, name, addr, &keys) < 0) {
		sb_buf_release(&keys);
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	out = render(keys.data, name, 0, err);
	sb_buf_release(&keys);
	return out;
}

static int
cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into its lines, sorted, for comparing two key lists. */
static char **
sorted_lines(char *text, size_t *n)
{
	size_t cap = 1;
	char **v;

	for (const char *p = text; *p; p++)
		cap += *p == '\n';
	v = calloc(cap, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (char *t = strtok(text, "\n"); t; t = strtok(NULL, "\n"))
		v[(*n)++] = t;
	qsort(v, *n, sizeof(*v), cmp_lines);
	return v;
}

int
sb_fw_sandbox_differs(const char *json, const struct sb_fw_sandbox *sb)
{
	_cleanup_json_ json_object *root = json ? json_tokener_parse(json) :
					   NULL;
	json_object *arr = listing_array(root);
	struct sb_buf have = { 0 }, want = { 0 };
	_cleanup_free_ char **hv = NULL, **wv = NULL;
	size_t hn = 0, wn = 0;
	int differs = 1;

	if (arr && existing_keys(arr, sb->name, sb->ipv4, &have) == 0 &&
	    sandbox_keys(sb, &want, SB_IGNORE) == 0 && !want.overflow &&
	    (hv = sorted_lines(have.data, &hn)) &&
	    (wv = sorted_lines(want.data, &wn)) && hn == wn) {
		differs = 0;
		for (size_t i = 0; i < hn && !differs; i++)
			differs = strcmp(hv[i], wv[i]) != 0;
	}
	sb_buf_release(&have);
	sb_buf_release(&want);
	return differs;
}

int
sb_fw_base_present(const char *json)
{
	_cleanup_json_ json_object *root = json ? json_tokener_parse(json) :
					   NULL;
	json_object *arr = listing_array(root);
	int forward = 0, input = 0, prerouting = 0;

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *rule, *chain;
		const char *cn;

		if (!json_object_object_get_ex(json_object_array_get_idx(arr, i),
					       "rule", &rule) ||
		    !json_object_object_get_ex(rule, "chain", &chain))
			continue;
		cn = json_object_get_string(chain);
		forward += strcmp(cn, "forward") == 0;
		input += strcmp(cn, "input") == 0;
		prerouting += strcmp(cn, "prerouting") == 0;
	}
	/* The shape sb_fw_base_script writes: 3 rules in forward, one in
	 * input and one in prerouting (the rest hang off them). */
	return forward >= 3 && input >= 1 && prerouting >= 1;
}

int
sb_fw_has_element(const char *json, const char *set, const char *addr)
{
	_cleanup_json_ json_object *root = json ? json_tokener_parse(json) :
					   NULL;
	json_object *arr = listing_array(root);
	struct sb_buf keys = { 0 };
	char want[128];
	int found;

	if (!arr || !addr || existing_keys(arr, NULL, addr, &keys) < 0) {
		sb_buf_release(&keys);
		return 0;
	}
	/* Whole lines only: "\nSET\tADDR\n" inside "\n" + keys. */
	snprintf(want, sizeof(want), "\n%s\t%s\n", set, addr);
	found = keys.data && (strncmp(keys.data, want + 1,
				      strlen(want + 1)) == 0 ||
			      strstr(keys.data, want) != NULL);
	sb_buf_release(&keys);
	return found;
}

/* libnftables, with nft's own messages captured for the error. */
static struct nft_ctx *
ctx_new(int json, int dry_run)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return NULL;
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return NULL;
	}
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	nft_ctx_set_dry_run(ctx, dry_run != 0);
	return ctx;
}

/* nft's error text, squeezed to one line and trimmed. */
static void
one_line(const char *in, char *out, size_t n)
{
	size_t k = 0;

	for (const char *p = in ? in : ""; *p && k + 1 < n; p++) {
		if (*p == '\n' || *p == '\t') {
			if (k && out[k - 1] != ' ')
				out[k++] = ' ';
			continue;
		}
		out[k++] = *p;
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

int
sb_fw_run(const char *script, int dry_run, struct sb_error **err)
{
	struct nft_ctx *ctx = ctx_new(0, dry_run);
	char msg[512];
	int r;

	if (!ctx)
		return sb_error_set(err, SB_E_SYSTEM, "cannot use libnftables");
	r = nft_run_cmd_from_buffer(ctx, script);
	if (r != 0) {
		one_line(nft_ctx_get_error_buffer(ctx), msg, sizeof(msg));
		nft_ctx_free(ctx);
		return sb_error_set(err, SB_E_SYSTEM, "nftables refused the "
				    "ruleset: %s", *msg ? msg :
				    "permission denied (needs root)");
	}
	nft_ctx_free(ctx);
	return 0;
}

char *
sb_fw_list_json(struct sb_error **err)
{
	struct nft_ctx *ctx = ctx_new(1, 0);
	char *out = NULL;
	char msg[512];

	if (!ctx) {
		sb_error_set(err, SB_E_SYSTEM, "cannot use libnftables");
		return NULL;
	}
	if (nft_run_cmd_from_buffer(ctx, "list table " T) != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);

		one_line(e, msg, sizeof(msg));
		sb_error_set(err, e && strstr(e, "No such file") ?
			     SB_E_NOTFOUND : SB_E_SYSTEM,
			     "listing table " T ": %s", msg);
	} else {
		out = strdup(nft_ctx_get_output_buffer(ctx));
		if (!out)
			sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	nft_ctx_free(ctx);
	return out;
}

int
sb_fw_route_localnet(const char *bridge, int on, struct sb_error **err)
{
	char path[128];
	int fd;

	if (check_ifname(bridge) < 0)
		return sb_error_set(err, SB_E_INPUT, "invalid bridge name "
				    "'%s'", bridge ? bridge : "");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/"
		 "route_localnet", bridge);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, on ? "1\n" : "0\n", 2) != 2) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		errno = e;
		return sb_error_sys(err, "setting %s", path);
	}
	close(fd);
	return 0;
}

int
sb_fw_route_localnet_on(const char *bridge)
{
	char path[128], v[4] = "";
	FILE *f;

	if (check_ifname(bridge) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/"
		 "route_localnet", bridge);
	if (!(f = fopen(path, "re")))
		return 0;
	if (!fgets(v, sizeof(v), f))
		v[0] = '\0';
	fclose(f);
	return v[0] == '1';
}

int
sb_fw_bridge_family_works(void)
{
	return sb_fw_run("add table bridge sandbox_probe\n"
			 "add chain bridge sandbox_probe c { type filter "
			 "hook forward priority 0; policy accept; }\n"
			 "add rule bridge sandbox_probe c ct state "
			 "established accept\n"
			 "add rule bridge sandbox_probe c tcp dport 1 "
			 "reject with tcp reset\n", 1, SB_IGNORE) == 0;
}
