/* Reporting through a progress callback (see progress.h). */
#include "core/progress.h"

#include <stdarg.h>
#include <stdlib.h>

#include "core/text.h"

void
sb_report_text(const struct sb_progress *p, enum sb_report_kind kind,
	       const char *fmt, ...)
{
	void (*fn)(void *ctx, const char *text);
	va_list ap;
	char *text;

	if (!p)
		return;
	fn = kind == SB_REPORT_BEGIN ? p->begin : p->note;
	if (!fn)
		return;
	va_start(ap, fmt);
	text = sb_text_vfmt(fmt, ap);
	va_end(ap);
	if (text)
		fn(p->ctx, text);
	free(text);
}

void
sb_report_end(const struct sb_progress *p, int ok)
{
	if (p && p->end)
		p->end(p->ctx, ok);
}
