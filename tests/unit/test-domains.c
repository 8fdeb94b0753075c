/* sandbox-domains edits (lib/net/domains.c, sb_domains_apply: what
 * sb_domains_edit writes), including the sequences that used to crash:
 * --remove a --add b and --remove a --remove b. */
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "net/domains.h"
#include "tap.h"

/* Runs one edit; "+x" adds, "-x" removes; the result joined by spaces. */
static char *
edit(const char *const *cur, size_t ncur, const char *const *ops,
     size_t nops, int *rc)
{
	const char *add[16], *rm[16];
	size_t nadd = 0, nrm = 0, n = 0, len = 1;
	char **out = NULL, *s;
	struct sb_error *err = NULL;

	for (size_t i = 0; i < nops; i++) {
		if (ops[i][0] == '+')
			add[nadd++] = ops[i] + 1;
		else
			rm[nrm++] = ops[i] + 1;
	}
	*rc = sb_domains_apply("t", (char *const *)cur, ncur, add, nadd, rm,
			       nrm, &out, &n, &err);
	if (*rc < 0) {
		s = strdup(err ? err->msg : "(no error)");
		sb_error_free(err);
		return s;
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(out[i]) + 1;
	s = calloc(1, len);
	for (size_t i = 0; s && i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, out[i]);
	}
	sb_domains_list_free(out, n);
	return s;
}

int
main(void)
{
	static const char *const cur[] = { "a.com", ".b.org", "c.net" };
	static const struct {
		const char *ops[4];
		size_t n;
		int ok;
		const char *want;
	} cases[] = {
		{ { "-a.com", "+d.io" }, 2, 1, ".b.org c.net d.io" },
		{ { "-a.com", "-c.net" }, 2, 1, ".b.org" },
		{ { "-a.com", "-a.com" }, 2, 1, ".b.org c.net" },
		{ { "-a.com", "+a.com" }, 2, 1, ".b.org c.net a.com" },
		{ { "+d.io", "+d.io" }, 2, 1, "a.com .b.org c.net d.io" },
		{ { "+A.COM" }, 1, 1, "a.com .b.org c.net" },
		{ { "-a.com", "-.b.org", "-c.net" }, 3, 1, "" },
		{ { "-x.com" }, 1, 0, "'x.com' is not in the list" },
		{ { "-a.com", "+bad name" }, 2, 0, "bad name" },
		{ { "+" }, 1, 0, "invalid domain" },
		{ { "+a.com\nb.com" }, 1, 0, "invalid domain" },
		{ { "-#a" }, 1, 0, "invalid domain" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		_cleanup_free_ char *got = edit(cur, 3, cases[i].ops,
						cases[i].n, &rc);

		CHECK((rc == 0) == cases[i].ok, "case %zu rc", i);
		if (cases[i].ok)
			CHECK_STR(got, cases[i].want, "case %zu", i);
		else
			CHECK(got && strstr(got, cases[i].want),
			      "case %zu error: %s", i, got ? got : "");
	}
	{
		int rc;
		const char *ops[] = { "+a.com" };
		_cleanup_free_ char *got = edit(NULL, 0, ops, 1, &rc);

		CHECK(rc == 0, "empty list");
		CHECK_STR(got, "a.com", "add to an empty list");
	}
	return tap_done();
}
