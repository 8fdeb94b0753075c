/* The generated nftables ruleset for given inputs, and the cleanup
 * commands computed from a listing.  As root, the scripts are also
 * validated by the kernel in a dry run (nothing is applied). */
#include <stdlib.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "net/firewall.h"
#include "model/sandbox.h"
#include "net/squid.h"
#include "tap.h"

static const struct sb_fw_host host = {
	.bridge = "sandboxbr0", .bridge4 = "10.87.20.1",
	.squid_http = 3180, .squid_https = 3181,
};

/* Lines the base ruleset must contain, in this order. */
static const char *base_lines[] = {
	"add table inet sandbox\n",
	"flush set inet sandbox private4\n",
	"add element inet sandbox private4 { 0.0.0.0/8, 10.0.0.0/8, "
	"100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, "
	"192.168.0.0/16, 224.0.0.0/3 }\n",
	"add element inet sandbox private6 { fc00::/7, fe80::/10 }\n",
	"add set inet sandbox restricted4 { type ipv4_addr; }\n",
	"add set inet sandbox cidr4 { type ipv4_addr . ipv4_addr; flags "
	"interval; }\n",
	"add chain inet sandbox forward { type filter hook forward priority "
	"filter - 10; policy accept; }\n",
	"add chain inet sandbox prerouting { type nat hook prerouting "
	"priority dstnat - 10; policy accept; }\n",
	"flush chain inet sandbox from_sandbox\n",
	"add rule inet sandbox forward iifname \"sandboxbr0\" jump "
	"from_sandbox\n",
	"add rule inet sandbox from_sandbox ct state established,related "
	"accept\n",
	"add rule inet sandbox from_sandbox ip saddr . ip daddr @cidr4 "
	"accept\n",
	"add rule inet sandbox from_sandbox ip daddr @private4 reject with "
	"icmpx admin-prohibited\n",
	"add rule inet sandbox from_sandbox ip saddr . meta l4proto . th "
	"dport @ports4 accept\n",
	"add rule inet sandbox from_sandbox ip saddr @restricted4 udp dport "
	"443 drop\n",
	"add rule inet sandbox from_sandbox tcp dport { 22, 80, 443 } "
	"accept\n",
	"add rule inet sandbox from_sandbox udp dport 443 accept\n",
	"add rule inet sandbox from_sandbox reject with icmpx "
	"admin-prohibited\n",
	"add rule inet sandbox to_host ct state established,related accept\n",
	"add rule inet sandbox to_host ip daddr 127.0.0.0/8 drop\n",
	"add rule inet sandbox to_host ip daddr 10.87.20.1 meta l4proto { "
	"tcp, udp } th dport 53 accept\n",
	"add rule inet sandbox to_host ip daddr 10.87.20.1 tcp dport { 3180, "
	"3181 } accept\n",
	"add rule inet sandbox postrouting oifname \"sandboxbr0\" ip saddr "
	"127.0.0.0/8 masquerade\n",
	"add rule inet sandbox prerouting iifname \"sandboxbr0\" ip saddr "
	"@restricted4 jump web_filter\n",
	"add rule inet sandbox web_filter ip daddr @private4 return\n",
	"add rule inet sandbox web_filter fib daddr type local return\n",
	"add rule inet sandbox web_filter tcp dport 443 redirect to :3181\n",
};

static const char listing[] =
	"{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}},"
	"{\"table\": {\"family\": \"inet\", \"name\": \"sandbox\"}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"private4\", \"table\": "
	"\"sandbox\", \"elem\": [{\"prefix\": {\"addr\": \"10.0.0.0\", "
	"\"len\": 8}}]}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"restricted4\", "
	"\"table\": \"sandbox\", \"elem\": [{\"elem\": {\"val\": "
	"\"10.87.20.5\", \"comment\": \"api\"}}, {\"elem\": {\"val\": "
	"\"10.87.20.6\", \"comment\": \"web\"}}, \"10.87.20.9\"]}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"cidr4\", \"table\": "
	"\"sandbox\", \"elem\": [{\"elem\": {\"val\": {\"concat\": "
	"[\"10.87.20.5\", {\"prefix\": {\"addr\": \"10.123.0.0\", \"len\": "
	"24}}]}, \"comment\": \"api\"}}, {\"elem\": {\"val\": {\"concat\": "
	"[\"10.87.20.9\", {\"range\": [\"192.168.1.1\", \"192.168.1.3\"]}]}, "
	"\"comment\": \"old\"}}]}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"ports4\", \"table\": "
	"\"sandbox\", \"elem\": [{\"elem\": {\"val\": {\"concat\": "
	"[\"10.87.20.6\", \"tcp\", 6379]}, \"comment\": \"web\"}}, "
	"{\"elem\": {\"val\": {\"concat\": [\"10.87.20.5\", \"udp\", 53]}, "
	"\"comment\": \"api\"}}, {\"elem\": {\"val\": {\"concat\": "
	"[\"10.87.20.5\", \"tcp\", \"x;y\"]}, \"comment\": \"api\"}}]}}]}";

static void
test_base(void)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_free_ char *s = sb_fw_base_script(&host, &e);
	const char *at;

	CHECK(s != NULL, "base script: %s", e ? e->msg : "");
	if (!s)
		return;
	at = s;
	for (size_t i = 0; i < sizeof(base_lines) / sizeof(base_lines[0]);
	     i++) {
		const char *f = strstr(at, base_lines[i]);

		CHECK(f != NULL, "base script lacks (in order): %s",
		      base_lines[i]);
		if (f)
			at = f + strlen(base_lines[i]);
	}
	/* Never a whole-table delete: re-running setup keeps sandboxes. */
	CHECK(!strstr(s, "delete table"), "base script deletes the table");
	CHECK(!strstr(s, "flush set inet sandbox restricted4") &&
	      !strstr(s, "flush set inet sandbox cidr4") &&
	      !strstr(s, "flush set inet sandbox ports4"),
	      "base script flushes per-sandbox sets");
	/* The private refusal comes before the default ports. */
	CHECK(strstr(s, "@private4 reject") <
	      strstr(s, "tcp dport { 22, 80, 443 } accept"), "order");
	if (geteuid() == 0) {
		sb_error_free(TAKE_PTR(e));
		CHECK(sb_fw_run(s, 1, &e) == 0, "kernel refuses base script: "
		      "%s", e ? e->msg : "");
	}
}

static void
test_bad_host(void)
{
	struct sb_fw_host h = host;
	_cleanup_error_ struct sb_error *e = NULL;

	h.bridge = "br0\"; flush ruleset";
	CHECK(sb_fw_base_script(&h, &e) == NULL && e &&
	      strstr(e->msg, "invalid bridge name"), "bad bridge name");
	h = host;
	h.bridge4 = "10.87.20.1 accept";
	CHECK(sb_fw_base_script(&h, &e) == NULL && e &&
	      strstr(e->msg, "no usable IPv4"), "bad bridge address");
	h = host;
	h.squid_https = 0;
	CHECK(sb_fw_base_script(&h, &e) == NULL, "bad port");
}

static void
test_sandbox(void)
{
	_cleanup_error_ struct sb_error *e = NULL;
	struct sb_cidr c[2];
	struct sb_fw_port p[] = { { SB_TCP, 6379 }, { SB_UDP, 5353 } };
	struct sb_fw_sandbox sb = {
		.name = "api", .ipv4 = "10.87.20.5", .restricted = 1,
		.cidrs = c, .ncidrs = 1, .ports = p, .nports = 2,
	};
	_cleanup_free_ char *s = NULL;

	sb_cidr_parse("10.123.0.0/24", &c[0], NULL);
	sb_cidr_parse("fd00::/8", &c[1], NULL);
	s = sb_fw_sandbox_script(&sb, &e);
	CHECK_STR(s,
		"add element inet sandbox restricted4 { 10.87.20.5 comment "
		"\"api\" }\n"
		"add element inet sandbox cidr4 { 10.87.20.5 . 10.123.0.0/24 "
		"comment \"api\" }\n"
		"add element inet sandbox ports4 { 10.87.20.5 . tcp . 6379 "
		"comment \"api\" }\n"
		"add element inet sandbox ports4 { 10.87.20.5 . udp . 5353 "
		"comment \"api\" }\n", "sandbox script");
	free(TAKE_PTR(s));

	sb.restricted = 0;
	sb.ncidrs = 0;
	sb.nports = 0;
	s = sb_fw_sandbox_script(&sb, &e);
	CHECK_STR(s, "", "open sandbox: no elements");
	free(TAKE_PTR(s));

	sb.cidrs = &c[1];
	sb.ncidrs = 1;
	CHECK(sb_fw_sandbox_script(&sb, &e) == NULL && e &&
	      strstr(e->msg, "IPv4 only"), "IPv6 range refused");
	sb.ncidrs = 0;
	sb.name = "bad\"name";
	CHECK(sb_fw_sandbox_script(&sb, &e) == NULL, "bad name refused");
	sb.name = "api";
	sb.ipv4 = "10.87.20.5 }";
	CHECK(sb_fw_sandbox_script(&sb, &e) == NULL && e &&
	      strstr(e->msg, "no usable IPv4"), "bad address refused");

	s = sb_fw_port_script("api", "10.87.20.5", SB_TCP, 6379, 1, &e);
	CHECK_STR(s, "add element inet sandbox ports4 { 10.87.20.5 . tcp . "
		  "6379 comment \"api\" }\n", "expose add");
	free(TAKE_PTR(s));
	s = sb_fw_port_script("api", "10.87.20.5", SB_UDP, 53, 0, &e);
	CHECK_STR(s, "delete element inet sandbox ports4 { 10.87.20.5 . udp "
		  ". 53 }\n", "expose remove");
	free(TAKE_PTR(s));
	CHECK(sb_fw_port_script("api", "10.87.20.5", SB_TCP, 70000, 1, &e) ==
	      NULL, "port out of range");
}

static void
test_cleanup(void)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_free_ char *s = sb_fw_cleanup_script(listing, "api", NULL,
						      &e);

	/* The element with an unexpected value is left alone; host-wide
	 * private4 is never touched. */
	CHECK_STR(s,
		"delete element inet sandbox restricted4 { 10.87.20.5 }\n"
		"delete element inet sandbox cidr4 { 10.87.20.5 . "
		"10.123.0.0/24 }\n"
		"delete element inet sandbox ports4 { 10.87.20.5 . udp . 53 }\n",
		"cleanup by name");
	free(TAKE_PTR(s));

	/* By address too: a stale element of another sandbox that held
	 * the address before. */
	s = sb_fw_cleanup_script(listing, "new", "10.87.20.9", &e);
	CHECK_STR(s,
		"delete element inet sandbox restricted4 { 10.87.20.9 }\n"
		"delete element inet sandbox cidr4 { 10.87.20.9 . "
		"192.168.1.1-192.168.1.3 }\n", "cleanup by address");
	free(TAKE_PTR(s));

	s = sb_fw_cleanup_script(listing, "nobody", NULL, &e);
	CHECK_STR(s, "", "nothing to clean");
	free(TAKE_PTR(s));

	CHECK(sb_fw_cleanup_script("{\"x\": 1}", "api", NULL, &e) == NULL,
	      "bad listing");
	CHECK(sb_fw_cleanup_script("not json", "api", NULL, &e) == NULL,
	      "not json");
}

/* What apply and list read back from the kernel's listing. */
static void
test_listing_reads(void)
{
	struct sb_cidr c;
	struct sb_fw_port p = { SB_UDP, 53 };
	struct sb_fw_sandbox sb = {
		.name = "api", .ipv4 = "10.87.20.5", .restricted = 1,
		.cidrs = &c, .ncidrs = 1, .ports = &p, .nports = 1,
	};
	static const char base[] =
		"{\"nftables\": [{\"rule\": {\"chain\": \"forward\"}},"
		"{\"rule\": {\"chain\": \"forward\"}},"
		"{\"rule\": {\"chain\": \"forward\"}},"
		"{\"rule\": {\"chain\": \"input\"}},"
		"{\"rule\": {\"chain\": \"prerouting\"}}]}";

	sb_cidr_parse("10.123.0.0/24", &c, NULL);
	/* api's elements in the listing (the malformed one is not ours
	 * and never counts) are what its settings ask for. */
	CHECK(sb_fw_sandbox_differs(listing, &sb) == 0, "api unchanged");
	sb.nports = 0;
	CHECK(sb_fw_sandbox_differs(listing, &sb) == 1, "a missing port");
	sb.nports = 1;
	sb.name = "web";
	sb.ipv4 = "10.87.20.6";
	sb.ncidrs = 0;
	p.proto = SB_TCP;
	p.port = 6379;
	CHECK(sb_fw_sandbox_differs(listing, &sb) == 0, "web unchanged");
	sb.restricted = 0;
	CHECK(sb_fw_sandbox_differs(listing, &sb) == 1, "web opened");
	CHECK(sb_fw_sandbox_differs(NULL, &sb) == 1, "no table");

	CHECK(sb_fw_has_element(listing, "restricted4", "10.87.20.5"),
	      "api is restricted");
	CHECK(sb_fw_has_element(listing, "restricted4", "10.87.20.9"),
	      "a bare element counts");
	CHECK(!sb_fw_has_element(listing, "restricted4", "10.87.20.50"),
	      "no prefix match");
	CHECK(!sb_fw_has_element(listing, "restricted4", "10.87.20.7"),
	      "not restricted");
	CHECK(!sb_fw_has_element(NULL, "restricted4", "10.87.20.5"),
	      "no table");
	CHECK(!sb_fw_base_present(listing), "sets but no chains");
	CHECK(sb_fw_base_present(base), "the base chains");
	CHECK(!sb_fw_base_present(NULL), "no table: no base");
}

/* Squid's config and per-sandbox ACL text: the order of ssl_bump lines
 * decides what is spliced. */
static void
test_squid(void)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_free_ char *c = sb_squid_config_text("/d", "/r", "10.87.20.1",
						      "proxy", &e);
	_cleanup_free_ char *a = NULL;
	const char *peek, *inc, *term, *deny;

	CHECK(c != NULL, "config: %s", e ? e->msg : "");
	if (!c)
		return;
	CHECK(strstr(c, "http_port 10.87.20.1:3180 intercept name=sb_http\n"),
	      "http intercept port");
	CHECK(strstr(c, "https_port 10.87.20.1:3181 intercept ssl-bump "
		      "tls-cert=/d/tls/cert.pem tls-key=/d/tls/key.pem "
		      "name=sb_https\n"), "https intercept port");
	CHECK(strstr(c, "pid_filename /r/squid.pid\n"), "pid file");
	CHECK(strstr(c, "cache deny all\n"), "cache-less");
	CHECK(!strstr(c, "ssl_bump bump") && !strstr(c, "ssl_bump stare"),
	      "never decrypts");
	peek = strstr(c, "ssl_bump peek step1\n");
	inc = strstr(c, "include /d/acl/*.conf\n");
	term = strstr(c, "ssl_bump terminate all\n");
	deny = strstr(c, "http_access deny all\n");
	CHECK(peek && inc && term && deny && peek < inc && inc < term &&
	      inc < deny, "peek, per-sandbox splices, then terminate");
	CHECK(sb_squid_config_text("/d", "/r", "x", "proxy", &e) == NULL,
	      "bad bridge address");
	/* The name decides together with the address; names come from the
	 * bridge's resolver; never towards the host or the LAN, and that
	 * refusal comes before any sandbox's allow lines. */
	CHECK(strstr(c, "host_verify_strict on\n"), "strict Host check");
	CHECK(strstr(c, "dns_nameservers 10.87.20.1\n"), "bridge resolver");
	CHECK(strstr(c, "hosts_file none\n"), "no hosts file");
	{
		const char *bad = strstr(c, "http_access deny sb_bad_dst\n");
		const char *tb = strstr(c, "ssl_bump terminate sb_bad_dst\n");

		CHECK(strstr(c, "acl sb_bad_dst dst 0.0.0.0/8 10.0.0.0/8 "),
		      "bad destinations");
		CHECK(strstr(c, " 127.0.0.0/8 169.254.0.0/16 "),
		      "loopback and link-local refused");
		CHECK(bad && inc && bad < inc && tb && peek && tb < peek,
		      "bad destinations refused first");
	}

	a = sb_squid_acl_text("/d", "api", "10.87.20.5", &e);
	CHECK_STR(a,
		"# sandbox api\n"
		"acl sb_src_10_87_20_5 src 10.87.20.5\n"
		"acl sb_dom_10_87_20_5 dstdomain "
		"\"/d/acl/sb-10.87.20.5.domains\"\n"
		"acl sb_sni_10_87_20_5 ssl::server_name "
		"\"/d/acl/sb-10.87.20.5.domains\"\n"
		"# TLS is let through to ssl_bump, which splices allowed "
		"names\n"
		"http_access allow sb_src_10_87_20_5 sb_https\n"
		"http_access allow sb_src_10_87_20_5 sb_dom_10_87_20_5\n"
		"ssl_bump splice sb_src_10_87_20_5 sb_sni_10_87_20_5\n",
		"acl text");
	CHECK(sb_squid_acl_text("/d", "api", "10.87.20.5/24", &e) == NULL,
	      "bad address");
	CHECK(sb_squid_acl_text("/d", "a b", "10.87.20.5", &e) == NULL,
	      "bad name");
}

int
main(void)
{
	test_squid();
	test_base();
	test_bad_host();
	test_sandbox();
	test_cleanup();
	test_listing_reads();
	return tap_done();
}
