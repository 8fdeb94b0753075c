#include "core/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void
report(const struct sb_progress *p,
       void (*fn)(void *ctx, const char *text), const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	fn(p->ctx, text);
	free(text);
}

void
sb_report_begin(const struct sb_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p || !p->begin)
		return;
	va_start(ap, fmt);
	report(p, p->begin, fmt, ap);
	va_end(ap);
}

void
sb_report_end(const struct sb_progress *p, int ok)
{
	if (p && p->end)
		p->end(p->ctx, ok);
}

void
sb_report_note(const struct sb_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p || !p->note)
		return;
	va_start(ap, fmt);
	report(p, p->note, fmt, ap);
	va_end(ap);
}
