#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
sb_buf_append(struct sb_buf *b, const void *p, size_t n)
{
	size_t max = b->max ? b->max : SB_BUF_DEFAULT_MAX;
	size_t need;

	if (b->overflow || n > max || b->len > max - n) {
		b->overflow = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *d;

		while (cap < need)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
sb_buf_appendf(struct sb_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	r = sb_buf_append(b, s, (size_t)n);
	free(s);
	return r;
}

void
sb_buf_reset(struct sb_buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
sb_buf_wipe(struct sb_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	sb_buf_release(b);
}

void
sb_buf_release(struct sb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->overflow = 0;
}

char *
sb_buf_take(struct sb_buf *b)
{
	char *d = b->data;

	if (!d)
		d = strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
