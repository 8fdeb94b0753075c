/* Drives sandbox-domains edit sequences through the library
 * (sb_domains_apply, what sb_domains_edit writes): the input is an
 * allowlist, then lines "+NAME" (--add) and "-NAME" (--remove) in any mix.
 * Whatever they are: no crash; on success every added name is in the
 * result, every name removed and not added again is not, no name appears
 * twice, and the result parses back as an allowlist; on failure there is
 * an error and no result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/allowlist.h"
#include "core/buf.h"
#include "net/domains.h"

#define MAX_INPUT_BYTES 8192
#define MAX_OPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
in(char *const *v, size_t n, const char *d)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], d) == 0)
			return 1;
	return 0;
}

static void
check_result(char **out, size_t n, const char *const *add, size_t nadd,
	     const char *const *rm, size_t nrm)
{
	struct sb_buf text = { 0 };
	struct sb_allowlist back = { 0 };

	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (strcmp(out[i], out[k]) == 0)
				abort();
	for (size_t i = 0; i < nadd; i++) {
		struct sb_allowlist one = { 0 };

		if (sb_allowlist_parse(&one, add[i], strlen(add[i]), "a",
				       NULL) == 0 && one.n == 1 &&
		    !in(out, n, one.domains[0]))
			abort();
		sb_allowlist_release(&one);
	}
	for (size_t i = 0; i < nrm; i++) {
		struct sb_allowlist one = { 0 };
		int readded = 0;

		if (sb_allowlist_parse(&one, rm[i], strlen(rm[i]), "r",
				       NULL) == 0 && one.n == 1) {
			/* Compared as normalised names: " A.com\t" adds
			 * "a.com". */
			for (size_t k = 0; k < nadd; k++) {
				struct sb_allowlist a = { 0 };

				if (sb_allowlist_parse(&a, add[k],
						       strlen(add[k]), "a",
						       NULL) == 0 && a.n == 1 &&
				    strcmp(a.domains[0], one.domains[0]) == 0)
					readded = 1;
				sb_allowlist_release(&a);
			}
			if (!readded && in(out, n, one.domains[0]))
				abort();
		}
		sb_allowlist_release(&one);
	}
	for (size_t i = 0; i < n; i++)
		sb_buf_appendf(&text, "%s\n", out[i]);
	if (sb_allowlist_parse(&back, text.data ? text.data : "", text.len,
			       "out", NULL) < 0)
		abort();
	sb_allowlist_release(&back);
	sb_buf_release(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MAX_INPUT_BYTES + 1];
	const char *add[MAX_OPS], *rm[MAX_OPS];
	size_t nadd = 0, nrm = 0, nout = 0;
	struct sb_allowlist cur = { 0 };
	struct sb_error *err = NULL;
	char **out = NULL, *p, *ops;

	if (size > MAX_INPUT_BYTES)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* The list comes first, then the edits after a "%%" line. */
	ops = strstr(buf, "\n%%\n");
	if (ops) {
		*ops = '\0';
		ops += 4;
	}
	if (sb_allowlist_parse(&cur, buf, strlen(buf), "cur", NULL) < 0) {
		sb_allowlist_release(&cur);
		return 0;
	}
	for (p = ops ? strtok(ops, "\n") : NULL; p; p = strtok(NULL, "\n")) {
		if (*p == '+' && nadd < MAX_OPS)
			add[nadd++] = p + 1;
		else if (*p == '-' && nrm < MAX_OPS)
			rm[nrm++] = p + 1;
	}
	if (sb_domains_apply("fuzz", cur.domains, cur.n, add, nadd, rm, nrm,
			     &out, &nout, &err) < 0) {
		if (!err || out)
			abort();
		sb_error_free(err);
	} else {
		if (err)
			abort();
		check_result(out, nout, add, nadd, rm, nrm);
		sb_domains_list_free(out, nout);
	}
	sb_allowlist_release(&cur);
	return 0;
}
