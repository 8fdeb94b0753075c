#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

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
	msg = vformat(fmt, ap);
	va_end(ap);
	return store(err, code, 0, msg);
}

int
sb_error_sys(struct sb_error **err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *head, *msg = NULL;

	va_start(ap, fmt);
	head = vformat(fmt, ap);
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
	head = vformat(fmt, ap);
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
