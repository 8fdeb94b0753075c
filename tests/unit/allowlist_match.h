/* A test-side model of Squid's dstdomain matching, for checking what an
 * allowlist lets through (the unit tests and the allowlist fuzzer).
 * Production matches nothing itself: it hands the list to Squid. */
#ifndef SB_TEST_ALLOWLIST_MATCH_H
#define SB_TEST_ALLOWLIST_MATCH_H

#include <string.h>

#include "model/allowlist.h"

#define NAME_MAX_LEN 253

/* What Squid's dstdomain does with the list, for checking what a list
 * allows: 1 when host is allowed, case-insensitive, one trailing dot
 * ignored.  (Production hands the list to Squid and matches nothing
 * itself.) */
static inline int
sb_allowlist_match(const struct sb_allowlist *al, const char *host)
{
	char h[NAME_MAX_LEN + 2];
	size_t len;

	if (!al || !host)
		return 0;
	len = strlen(host);
	if (len && host[len - 1] == '.')
		len--;
	if (len == 0 || len >= sizeof(h))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];

		h[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	h[len] = '\0';
	for (size_t i = 0; i < al->n; i++) {
		const char *d = al->domains[i];
		size_t dl = strlen(d);

		if (d[0] != '.') {
			if (strcmp(h, d) == 0)
				return 1;
		} else if (strcmp(h, d + 1) == 0 ||
			   (len > dl && strcmp(h + len - dl, d) == 0)) {
			return 1;
		}
	}
	return 0;
}

#endif
