/* Small string helpers shared by the parsers and clients. */
#ifndef SB_TEXT_H
#define SB_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* A number macro as a string literal: SB_STR(SB_USER_UID) is "1000". */
#define SB_STR(x) SB_STR_(x)
#define SB_STR_(x) #x

/* Writes byte c at out[o] as sb_text_show shows it (itself, or \xNN for
 * control and non-ASCII bytes); returns the offset after it.  The caller
 * leaves at least 5 bytes of room. */
size_t sb_text_show_byte(char *out, size_t outsz, size_t o, unsigned char c);
/* A printable, one-line, bounded copy of s[0..len) for an error message:
 * control and non-ASCII bytes become \xNN, and past max input bytes the
 * rest is "...".  out holds at least max * 4 + 8 bytes. */
void sb_text_show(char *out, size_t outsz, const char *s, size_t len,
		  size_t max);

/* asprintf that gives NULL on failure (its pointer is undefined then). */
char *sb_text_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sb_text_vfmt(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Overwrites s (a secret) with zeros, then frees it; NULL is fine. */
void sb_text_wipe(char *s);

#endif
