/* A growable byte buffer with a hard cap, for anything fed by the network
 * or by a child process: a misbehaving peer cannot make us allocate
 * without bound. */
#ifndef SB_BUF_H
#define SB_BUF_H

#include <stddef.h>

struct sb_buf {
	char *data;   /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;   /* allocated */
	size_t max;   /* 0 means the default of 64 MiB */
	int overflow; /* set when an append was refused */
};

#define SB_BUF_DEFAULT_MAX ((size_t)64 << 20)

/* Returns 0, or -1 when the cap would be exceeded or memory ran out. */
int sb_buf_append(struct sb_buf *b, const void *p, size_t n);
int sb_buf_appendf(struct sb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s in single quotes for a POSIX shell, which expands nothing
 * inside them; a quote in s is written '\''. */
int sb_buf_append_shquote(struct sb_buf *b, const char *s);
void sb_buf_reset(struct sb_buf *b);
/* Overwrites the contents with zeros before freeing (for key material). */
void sb_buf_wipe(struct sb_buf *b);
void sb_buf_release(struct sb_buf *b);
/* Reads a whole file into b, at most max bytes.  Returns 0, or -1 with
 * errno set (EFBIG past max). */
int sb_buf_read_file(const char *path, size_t max, struct sb_buf *b);
/* Hands the data out; the buffer is left empty. */
char *sb_buf_take(struct sb_buf *b);

#endif
