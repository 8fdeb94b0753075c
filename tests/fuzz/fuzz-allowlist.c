/* Fuzzes the allowlist parser and matcher: every accepted entry matches
 * its own name, and the accepted list parses again to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/allowlist.h"
#include "../unit/allowlist_match.h"
#include "core/buf.h"

#define MAX_INPUT_BYTES ((size_t)64 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_allowlist al = { 0 }, again = { 0 };
	struct sb_error *err = NULL;
	struct sb_buf b = { 0 };
	char host[300];
	const uint8_t *nl;
	size_t hl;

	if (size > MAX_INPUT_BYTES)
		return 0;
	if (sb_allowlist_parse(&al, (const char *)data, size, "fuzz",
			       &err) < 0) {
		if (!err || strchr(err->msg, '\n') || al.n)
			abort();
		sb_error_free(err);
		return 0;
	}
	for (size_t i = 0; i < al.n; i++) {
		const char *d = al.domains[i];

		if (!sb_allowlist_match(&al, d[0] == '.' ? d + 1 : d))
			abort(); /* an entry that does not match itself */
		sb_buf_appendf(&b, "%s\n", d);
	}
	if (sb_allowlist_parse(&again, b.data ? b.data : "", b.len, "again",
			       NULL) < 0 || again.n != al.n)
		abort(); /* the normalised list is not a fixed point */
	/* The input's first line as a host name. */
	nl = memchr(data, '\n', size);
	hl = nl ? (size_t)(nl - data) : size;
	hl = hl < sizeof(host) - 1 ? hl : sizeof(host) - 1;
	memcpy(host, data, hl);
	host[hl] = '\0';
	sb_allowlist_match(&al, host);
	sb_buf_release(&b);
	sb_allowlist_release(&again);
	sb_allowlist_release(&al);
	return 0;
}
