/* Domain allowlists for filtered egress (man/sandbox-files.5).
 *
 * One domain a line: ".example.com" allows example.com and every name
 * under it, "example.com" allows only itself.  Names are checked strictly
 * (letters, digits, hyphens, at least two labels) because the list ends up
 * in a Squid ACL, where a stray "*" or URL would mean something else or
 * nothing at all.  Nothing here blocks on the daemon. */
#ifndef SB_ALLOWLIST_H
#define SB_ALLOWLIST_H

#include <stddef.h>

#include "core/error.h"

struct sb_allowlist {
	/* Lower case, unique, in file order.  Suffix entries keep their
	 * leading dot.  An entry already covered by a suffix entry
	 * ("api.github.com" with ".github.com") is dropped, since Squid
	 * warns about such overlaps in one dstdomain ACL. */
	char **domains;
	size_t n;
	char *source; /* the file name given to parse/load */
};

/* Parses allowlist text (len bytes, need not be NUL-terminated) into al,
 * replacing what al held (al must be zeroed or hold a previous list).
 * Errors read "FILE:LINE: invalid domain 'X': why, and what is allowed";
 * on error al is unchanged. */
int sb_allowlist_parse(struct sb_allowlist *al, const char *text, size_t len,
		       const char *fname, struct sb_error **err);
/* Reads and parses path. */
int sb_allowlist_load(struct sb_allowlist *al, const char *path,
		      struct sb_error **err);
/* The allowlist to use: domains_file when given, else
 * HOME/.sandbox/allowed-domains.txt when it exists, else
 * DATADIR/allowlists/default.txt (datadir NULL: the install's SB_DATADIR).
 * home may be NULL.  Caller frees; NULL only when out of memory. */
char *sb_allowlist_resolve(const char *domains_file, const char *home,
			   const char *datadir);
void sb_allowlist_release(struct sb_allowlist *al);

#endif
