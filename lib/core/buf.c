#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
sb_buf_append_shquote(struct sb_buf *b, const char *s)
{
	int r = sb_buf_append(b, "'", 1);

	while (r == 0 && *s) {
		size_t n = strcspn(s, "'");

		r |= sb_buf_append(b, s, n);
		s += n;
		if (*s == '\'') {
			r |= sb_buf_append(b, "'\\''", 4);
			s++;
		}
	}
	return r | sb_buf_append(b, "'", 1);
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

int
sb_buf_read_file(const char *path, size_t max, struct sb_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[8192];
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	b->max = max;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (sb_buf_append(b, chunk, (size_t)n) < 0) {
			errno = b->overflow ? EFBIG : ENOMEM;
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
