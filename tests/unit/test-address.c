/* Fixed per-sandbox addresses: the slot's address on the bridge and the
 * DHCP range kept below the slots. */
#include "model/address.h"
#include "core/cleanup.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		const char *bridge;
		int slot;
		const char *want; /* NULL: refused */
		const char *msg;
	} cases[] = {
		{ "10.87.20.1/24", 1, "10.87.20.101", NULL },
		{ "10.87.20.1/24", 99, "10.87.20.199", NULL },
		{ "10.87.20.77/24", 5, "10.87.20.105", NULL },
		{ "10.87.0.1/16", 3, "10.87.0.103", NULL },
		{ "10.87.20.1/24", 0, NULL, "outside 1..99" },
		{ "10.87.20.1/24", 100, NULL, "outside 1..99" },
		{ "10.87.20.1/25", 1, NULL, "smaller than a /24" },
		{ "10.87.20.1", 1, NULL, "not A.B.C.D/LEN" },
		{ "10.87.20.1/", 1, NULL, "not A.B.C.D/LEN" },
		{ "10.87.20.1/24x", 1, NULL, "not A.B.C.D/LEN" },
		{ "bridge/24", 1, NULL, "not A.B.C.D/LEN" },
		{ NULL, 1, NULL, "not A.B.C.D/LEN" },
	};
	char out[INET_ADDRSTRLEN], range[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *e = NULL;
		int r = sb_address_for_slot(cases[i].bridge, cases[i].slot,
					    out, &e);

		if (cases[i].want) {
			CHECK(r == 0, "%s slot %d: %s", cases[i].bridge,
			      cases[i].slot, e ? e->msg : "");
			if (r == 0)
				CHECK_STR(out, cases[i].want, "%s slot %d",
					  cases[i].bridge, cases[i].slot);
		} else {
			CHECK(r < 0 && e && strstr(e->msg, cases[i].msg),
			      "%s slot %d: want '%s', got %s",
			      cases[i].bridge ? cases[i].bridge : "(null)",
			      cases[i].slot, cases[i].msg,
			      e ? e->msg : "success");
		}
	}
	{
		_cleanup_error_ struct sb_error *e = NULL;

		CHECK(sb_address_dhcp_range("10.87.20.1/24", range, &e) == 0,
		      "range");
		CHECK_STR(range, "10.87.20.2-10.87.20.99", "dhcp range");
		CHECK(sb_address_dhcp_range("10.87.20.1/28", range, &e) < 0,
		      "a /28 is refused");
	}
	return tap_done();
}
