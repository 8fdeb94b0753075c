/* The host's apt mirror, so that sandbox-setup can debootstrap the golden
 * base from wherever this machine already fetches packages (a local or
 * corporate mirror is often the only one reachable).
 *
 * Reads the two formats apt reads: one-line sources.list entries
 * ("deb [opts] URI SUITE COMPONENT...") and deb822 stanzas (Types, URIs,
 * Suites, Components, Enabled).  Only the part needed to pick a mirror is
 * understood; lines apt would refuse are skipped, not reported: apt is
 * the judge of its own files.  Nothing here blocks on the daemon. */
#ifndef SB_APTSRC_H
#define SB_APTSRC_H

#include <stddef.h>

#include "core/error.h"

/* Finds the first "deb" source in text (len bytes) that serves suite and
 * whose URI debootstrap can fetch from (http, https, ftp or file).
 * deb822 selects the format.  Returns 0 with *uri set to a copy of the URI
 * (caller frees), 0 with *uri NULL when no source matches, or -1 when out
 * of memory. */
int sb_aptsrc_parse(const char *text, size_t len, int deb822,
		    const char *suite, char **uri, struct sb_error **err);
/* Scans /etc/apt/sources.list, then sources.list.d/ *.list and *.sources
 * in name order, and returns the first matching URI (caller frees).  The
 * environment variable SANDBOX_APT_ROOT, when set, names a directory
 * used instead of /etc/apt (for tests).  When nothing matches: NULL with
 * "no apt source for SUITE in DIR: pass --mirror URL". */
char *sb_aptsrc_mirror(const char *suite, struct sb_error **err);

#endif
