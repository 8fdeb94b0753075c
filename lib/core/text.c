#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
sb_text_show_byte(char *out, size_t outsz, size_t o, unsigned char c)
{
	if (c < 0x20 || c == 0x7f || c >= 0x80)
		return o + (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
	out[o] = (char)c;
	return o + 1;
}

void
sb_text_show(char *out, size_t outsz, const char *s, size_t len, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < outsz; i++) {
		if (i == max) {
			o += (size_t)snprintf(out + o, outsz - o, "...");
			break;
		}
		o = sb_text_show_byte(out, outsz, o, (unsigned char)s[i]);
	}
	out[o] = '\0';
}

char *
sb_text_vfmt(const char *f, va_list ap)
{
	char *s;

	return vasprintf(&s, f, ap) < 0 ? NULL : s;
}

char *
sb_text_fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	s = sb_text_vfmt(f, ap);
	va_end(ap);
	return s;
}

void
sb_text_wipe(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
