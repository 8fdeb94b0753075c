/* Scope-bound cleanups in the manner of LXC's define_cleanup_function.
 *
 * These free memory and close descriptors only.  Undoing effects in the
 * world (an instance created, a key registered) goes through an explicit
 * undo path, never through an attribute cleanup. */
#ifndef SB_CLEANUP_H
#define SB_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

#define SB_DEFINE_CLEANUP(type, fn)                                        \
	static inline void fn##_ptr(type *p)                               \
	{                                                                  \
		if (*p)                                                    \
			fn(*p);                                            \
	}

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void
sb_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(sb_freep)

static inline void
sb_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(sb_closep)

/* Frees several pointers at once: a destructor of a struct that owns many
 * strings says which in one line (systemd's free_many). */
static inline void
sb_free_many(void *const *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
}
#define SB_FREE_MANY(...)                                                      \
	sb_free_many((void *const[]){ __VA_ARGS__ },                           \
		     sizeof((void *const[]){ __VA_ARGS__ }) / sizeof(void *))

/* Hands ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                        \
	({                                                                 \
		__typeof__(p) _p = (p);                                    \
		(p) = NULL;                                                \
		_p;                                                        \
	})
#define TAKE_FD(fd)                                                        \
	({                                                                 \
		int _fd = (fd);                                            \
		(fd) = -1;                                                 \
		_fd;                                                       \
	})

#include "core/error.h"
SB_DEFINE_CLEANUP(struct sb_error *, sb_error_free)
#define _cleanup_error_ _cleanup_(sb_error_free_ptr)

#include <json-c/json.h>
static inline void
sb_json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(sb_json_putp)

#include "core/buf.h"
/* A buffer on the stack is released (not freed) at the end of its scope;
 * sb_buf_take() hands its data out first where ownership moves. */
static inline void
sb_buf_releasep(struct sb_buf *b)
{
	sb_buf_release(b);
}
#define _cleanup_buf_ _cleanup_(sb_buf_releasep)
/* The same, wiping the bytes first: for buffers that held a secret. */
static inline void
sb_buf_wipep(struct sb_buf *b)
{
	sb_buf_wipe(b);
}
#define _cleanup_wipe_buf_ _cleanup_(sb_buf_wipep)

#include <stdio.h>
static inline void
sb_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(sb_fclosep)

#endif
