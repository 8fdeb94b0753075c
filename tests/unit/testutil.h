/* Helpers the unit tests share beyond tap.h's checks. */
#ifndef SB_TESTUTIL_H
#define SB_TESTUTIL_H

#include <stdio.h>
#include <sys/stat.h>

/* Writes text to dir/rel and gives it exactly mode (chmod, so the umask
 * does not matter).  0, or -1 when the file could not be made. */
static inline int
tu_write_file(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char p[4400];
	FILE *f;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, rel) >= sizeof(p) ||
	    !(f = fopen(p, "w")))
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(p, mode);
}

#endif
