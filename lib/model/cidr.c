/* CIDR parsing for --allow-cidr (see cidr.h). */
#include "model/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cleanup.h"

/* Prefix length: 1..3 decimal digits, no sign, no leading zero. */
static int
parse_prefix(const char *s, int max)
{
	int v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static int
host_bits_set(const struct sb_cidr *c)
{
	int bytes = c->family == AF_INET ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = c->prefix - i * 8;
		unsigned char mask = keep >= 8 ? 0xff :
				     keep <= 0 ? 0 :
				     (unsigned char)(0xff << (8 - keep));

		if (c->addr[i] & (unsigned char)~mask)
			return 1;
	}
	return 0;
}

static void
clear_host_bits(struct sb_cidr *c)
{
	int bytes = c->family == AF_INET ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = c->prefix - i * 8;

		if (keep <= 0)
			c->addr[i] = 0;
		else if (keep < 8)
			c->addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

int
sb_cidr_parse(const char *text, struct sb_cidr *out, struct sb_error **err)
{
	char addr[SB_CIDR_TEXT_MAX];
	const char *slash;
	struct sb_cidr c = { 0 };
	size_t alen;
	int max;

	if (!text || !*text)
		return sb_error_set(err, SB_E_INPUT, "empty CIDR: give an "
			"address with an optional prefix length, e.g. "
			"10.1.0.0/16 or fd00::/8");
	if (strlen(text) >= SB_CIDR_TEXT_MAX)
		return sb_error_set(err, SB_E_INPUT, "CIDR '%.20s...' is too "
			"long: at most %d characters", text,
			SB_CIDR_TEXT_MAX - 1);
	slash = strchr(text, '/');
	alen = slash ? (size_t)(slash - text) : strlen(text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	/* inet_pton takes only plain dotted quads for IPv4 (no octal, no
	 * short forms) and standard IPv6 text, which is what we want. */
	if (inet_pton(AF_INET, addr, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else {
		return sb_error_set(err, SB_E_INPUT, "invalid CIDR '%s': '%s' "
			"is not an IPv4 or IPv6 address (e.g. 10.1.0.0/16, "
			"fd00::/8)", text, addr);
	}
	c.prefix = max;
	if (slash && (c.prefix = parse_prefix(slash + 1, max)) < 0)
		return sb_error_set(err, SB_E_INPUT, "invalid CIDR '%s': the "
			"prefix length must be a number from 0 to %d", text,
			max);
	if (host_bits_set(&c)) {
		char want[SB_CIDR_TEXT_MAX];

		clear_host_bits(&c);
		sb_cidr_format(&c, want);
		return sb_error_set(err, SB_E_INPUT, "invalid CIDR '%s': host "
			"bits are set (the network is %s)", text, want);
	}
	*out = c;
	return 0;
}

void
sb_cidr_format(const struct sb_cidr *c, char buf[SB_CIDR_TEXT_MAX])
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		a[0] = '\0';
	snprintf(buf, SB_CIDR_TEXT_MAX, "%s/%d", a, c->prefix);
}

int
sb_cidr_within(const struct sb_cidr *a, const struct sb_cidr *b)
{
	struct sb_cidr t;

	if (a->family != b->family || a->prefix < b->prefix)
		return 0;
	t = *a;
	t.prefix = b->prefix;
	clear_host_bits(&t);
	return memcmp(t.addr, b->addr, sizeof(t.addr)) == 0;
}

int
sb_cidr_parse_list(const char *csv, struct sb_cidr **out, size_t *n,
		   struct sb_error **err)
{
	_cleanup_free_ char *copy = strdup(csv ? csv : "");
	_cleanup_free_ struct sb_cidr *v = NULL;
	size_t k = 0;
	char *save = NULL;

	*out = NULL;
	*n = 0;
	if (!copy)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		struct sb_cidr *nv = realloc(v, (k + 1) * sizeof(*v));

		if (!nv)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		v = nv;
		if (sb_cidr_parse(t, &v[k], err) < 0)
			return -1;
		k++;
	}
	*out = TAKE_PTR(v);
	*n = k;
	return 0;
}

/* Ranges --allow-cidr may never touch, with the reason shown. */
static const struct {
	const char *range, *why;
} never_open[] = {
	{ "0.0.0.0/8", "0.0.0.0/8 ('this network') is never routable" },
	{ "127.0.0.0/8", "it reaches loopback" },
	{ "224.0.0.0/3", "it reaches multicast, reserved or broadcast "
			 "addresses" },
	{ "169.254.169.254/32", "it contains the cloud metadata address "
				"169.254.169.254" },
};

int
sb_cidr_check_openable(const struct sb_cidr *c, struct sb_error **err)
{
	char t[SB_CIDR_TEXT_MAX];

	sb_cidr_format(c, t);
	if (c->family != AF_INET)
		return sb_error_set(err, SB_E_INPUT, "--allow-cidr '%s': only "
				    "IPv4 ranges can be opened (the sandbox "
				    "bridge carries IPv4 only)", t);
	if (c->prefix < 8)
		return sb_error_set(err, SB_E_INPUT, "--allow-cidr '%s' is "
				    "wider than a /8: name the private range "
				    "to open (e.g. 10.1.2.0/24)", t);
	for (size_t i = 0; i < sizeof(never_open) / sizeof(never_open[0]);
	     i++) {
		struct sb_cidr n;

		if (sb_cidr_parse(never_open[i].range, &n, SB_IGNORE) < 0)
			continue;
		if (sb_cidr_within(c, &n) || sb_cidr_within(&n, c))
			return sb_error_set(err, SB_E_INPUT, "--allow-cidr "
					    "'%s' is refused: %s", t,
					    never_open[i].why);
	}
	return 0;
}
