#include "core/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static int
store(struct sb_error **err, int code, int sys_errno, char *msg)
{
	struct sb_error *e;

	if (!err) {
		free(msg);
		return -1;
	}
	sb_error_free(*err);
	*err = NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(msg);
		return -1;
	}
	e->code = code;
	e->sys_errno = sys_errno;
	e->msg = msg ? msg : strdup("out of memory");
	*err = e;
	return -1;
}

int
sb_error_set(struct sb_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = sb_text_vfmt(fmt, ap);
	va_end(ap);
	return store(err, code, 0, msg);
}

int
sb_error_invalid(struct sb_error **err, const char *option, const char *value,
		 const char *allowed)
{
	return sb_error_set(err, SB_E_INPUT, "invalid %s '%s': %s", option,
			    value, allowed);
}

int
sb_error_sys(struct sb_error **err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *head, *msg = NULL;

	va_start(ap, fmt);
	head = sb_text_vfmt(fmt, ap);
	va_end(ap);
	if (head && asprintf(&msg, "%s: %s", head, strerror(saved)) < 0)
		msg = NULL;
	free(head);
	return store(err, saved == EACCES || saved == EPERM ? SB_E_PERM :
		     SB_E_SYSTEM, saved, msg);
}

int
sb_error_prefix(struct sb_error **err, const char *fmt, ...)
{
	va_list ap;
	char *head, *msg = NULL;

	if (!err)
		return -1;
	if (!*err)
		sb_error_set(err, SB_E_FAIL, "internal error: a step failed "
			     "without saying why");
	va_start(ap, fmt);
	head = sb_text_vfmt(fmt, ap);
	va_end(ap);
	if (head && asprintf(&msg, "%s: %s", head, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = msg;
	}
	free(head);
	return -1;
}

int
sb_error_pass(struct sb_error **err, struct sb_error **e)
{
	if (err && err != e) {
		sb_error_free(*err);
		*err = *e;
		*e = NULL;
		/* A callee that failed without an error still fails here. */
		if (!*err)
			sb_error_set(err, SB_E_FAIL, "internal error: a step "
				     "failed without saying why");
	}
	return -1;
}

void
sb_error_free(struct sb_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

/* A small ring per thread, so a best-effort call nested inside another's
 * failure path gets a slot of its own and never frees the error the
 * outer one is still looking at. */
#define IGNORE_SLOTS 8
struct ignore_ring {
	struct sb_error *slot[IGNORE_SLOTS];
	unsigned next;
};

static pthread_key_t ignore_key;
static int ignore_key_ok;
static pthread_once_t ignore_once = PTHREAD_ONCE_INIT;
/* Where the slots are when the key or its memory cannot be had. */
static __thread struct ignore_ring ignore_fallback;

static void
ignore_drop(void *p)
{
	struct ignore_ring *r = p;

	for (int i = 0; i < IGNORE_SLOTS; i++)
		sb_error_free(r->slot[i]);
	free(r);
}

static void
ignore_make_key(void)
{
	ignore_key_ok = pthread_key_create(&ignore_key, ignore_drop) == 0;
}

struct sb_error **
sb_error_ignore(void)
{
	struct ignore_ring *r = NULL;
	struct sb_error **slot;

	pthread_once(&ignore_once, ignore_make_key);
	if (ignore_key_ok && !(r = pthread_getspecific(ignore_key)) &&
	    (r = calloc(1, sizeof(*r))) &&
	    pthread_setspecific(ignore_key, r) != 0) {
		free(r);
		r = NULL;
	}
	if (!r)
		r = &ignore_fallback;
	slot = &r->slot[r->next++ % IGNORE_SLOTS];
	sb_error_free(*slot);
	*slot = NULL;
	return slot;
}
