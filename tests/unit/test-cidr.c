/* --allow-cidr parsing: what is accepted, its canonical form, and the
 * message for what is refused. */
#include <stdlib.h>

#include "model/cidr.h"
#include "core/cleanup.h"
#include "tap.h"

static const struct {
	const char *in;
	const char *want; /* canonical text, or NULL when refused */
	const char *msg;  /* part of the error when refused */
} cases[] = {
	{ "10.123.0.0/24", "10.123.0.0/24", NULL },
	{ "10.123.0.2", "10.123.0.2/32", NULL },
	{ "192.168.1.7/32", "192.168.1.7/32", NULL },
	{ "0.0.0.0/0", "0.0.0.0/0", NULL },
	{ "172.16.0.0/12", "172.16.0.0/12", NULL },
	{ "fd00::/8", "fd00::/8", NULL },
	{ "FD00:0:0::/8", "fd00::/8", NULL },
	{ "fe80::1", "fe80::1/128", NULL },
	{ "::/0", "::/0", NULL },
	{ "10.0.0.1/8", NULL, "host bits are set (the network is 10.0.0.0/8)" },
	{ "fd00::1/8", NULL, "the network is fd00::/8" },
	{ "10.0.0.0/33", NULL, "from 0 to 32" },
	{ "fd00::/129", NULL, "from 0 to 128" },
	{ "10.0.0.0/", NULL, "prefix length" },
	{ "10.0.0.0/08", NULL, "prefix length" },
	{ "10.0.0.0/+8", NULL, "prefix length" },
	{ "10.0.0.0/8/8", NULL, "prefix length" },
	{ "10.0.0.0/ 8", NULL, "prefix length" },
	{ "010.0.0.0/8", NULL, "not an IPv4 or IPv6 address" },
	{ "10.1/16", NULL, "not an IPv4 or IPv6 address" },
	{ "10.0.0.256", NULL, "not an IPv4 or IPv6 address" },
	{ " 10.0.0.0/8", NULL, "not an IPv4 or IPv6 address" },
	{ "example.com/24", NULL, "not an IPv4 or IPv6 address" },
	{ "/24", NULL, "not an IPv4 or IPv6 address" },
	{ "", NULL, "empty CIDR" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd/128",
	  NULL, "too long" },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *e = NULL;
		struct sb_cidr c;
		char buf[SB_CIDR_TEXT_MAX];
		int r = sb_cidr_parse(cases[i].in, &c, &e);

		if (cases[i].want) {
			CHECK(r == 0, "'%s' refused: %s", cases[i].in,
			      e ? e->msg : "");
			if (r == 0) {
				sb_cidr_format(&c, buf);
				CHECK_STR(buf, cases[i].want, "'%s'",
					  cases[i].in);
			}
		} else {
			CHECK(r < 0, "'%s' accepted", cases[i].in);
			CHECK(e && strstr(e->msg, cases[i].msg),
			      "'%s': message '%s' lacks '%s'", cases[i].in,
			      e ? e->msg : "", cases[i].msg);
		}
	}

	/* within */
	{
		struct sb_cidr a, b, c6;

		sb_cidr_parse("10.123.0.2", &a, NULL);
		sb_cidr_parse("10.0.0.0/8", &b, NULL);
		sb_cidr_parse("fd00::/8", &c6, NULL);
		CHECK(sb_cidr_within(&a, &b), "10.123.0.2 in 10/8");
		CHECK(!sb_cidr_within(&b, &a), "10/8 not in 10.123.0.2");
		CHECK(!sb_cidr_within(&a, &c6), "families differ");
		CHECK(sb_cidr_within(&b, &b), "a range is within itself");
	}

	/* what --allow-cidr may open */
	{
		static const struct {
			const char *in, *msg; /* msg NULL: allowed */
		} open_cases[] = {
			{ "10.123.0.0/24", NULL },
			{ "192.168.0.0/16", NULL },
			{ "10.0.0.0/8", NULL },
			{ "198.18.0.0/15", NULL },
			{ "169.254.0.0/24", NULL },
			{ "0.0.0.0/0", "wider than a /8" },
			{ "8.0.0.0/7", "wider than a /8" },
			{ "169.254.169.254/32", "metadata address" },
			{ "169.254.0.0/16", "metadata address" },
			{ "127.0.0.1", "loopback" },
			{ "127.0.0.0/8", "loopback" },
			{ "0.0.0.0/8", "never routable" },
			{ "0.1.2.3", "never routable" },
			{ "239.1.0.0/16", "multicast" },
			{ "255.255.255.255", "multicast" },
			{ "fd00::/8", "only IPv4" },
		};

		for (size_t i = 0;
		     i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
			_cleanup_error_ struct sb_error *e = NULL;
			struct sb_cidr c;
			int r;

			CHECK(sb_cidr_parse(open_cases[i].in, &c, NULL) == 0,
			      "parse '%s'", open_cases[i].in);
			r = sb_cidr_check_openable(&c, &e);
			if (!open_cases[i].msg)
				CHECK(r == 0, "'%s' refused: %s",
				      open_cases[i].in, e ? e->msg : "");
			else
				CHECK(r < 0 && e &&
				      strstr(e->msg, open_cases[i].msg),
				      "'%s': want refusal with '%s', got %s",
				      open_cases[i].in, open_cases[i].msg,
				      e ? e->msg : "none");
		}
	}

	/* lists, as stored in user.sandbox.allow-cidr */
	{
		_cleanup_error_ struct sb_error *e = NULL;
		_cleanup_free_ struct sb_cidr *v = NULL;
		size_t n = 9;

		CHECK(sb_cidr_parse_list("10.123.0.0/24,,192.168.5.0/24", &v,
					 &n, &e) == 0, "list");
		CHECK(n == 2, "two items, got %zu", n);
		free(TAKE_PTR(v));
		CHECK(sb_cidr_parse_list("", &v, &n, &e) == 0 && n == 0,
		      "empty list");
		CHECK(sb_cidr_parse_list("10.0.0.0/8,bogus", &v, &n, &e) < 0 &&
		      v == NULL && n == 0, "bad item refuses the list");
		CHECK(e && strstr(e->msg, "'bogus'"), "names the bad item");
	}
	return tap_done();
}
