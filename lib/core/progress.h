/* How a long operation tells its caller what it is doing.
 *
 * The library never prints (core/error.h).  An operation with steps worth
 * showing takes a `const struct sb_progress *` in its options and reports
 * through it; NULL reports nothing.  The front-ends pass the one that
 * draws progress lines on the terminal (sb_cli_progress, cli/cli.h), so
 * no operation needs to know about terminals. */
#ifndef SB_PROGRESS_H
#define SB_PROGRESS_H

struct sb_progress {
	/* A step starts: text says what it is. */
	void (*begin)(void *ctx, const char *text);
	/* The step begun last ends, well (ok 1) or not (ok 0). */
	void (*end)(void *ctx, int ok);
	/* A one-off line that is not a step. */
	void (*note)(void *ctx, const char *text);
	void *ctx;
};

enum sb_report_kind { SB_REPORT_BEGIN, SB_REPORT_NOTE };

/* Formats the text and hands it to p's begin or note; nothing when p or
 * that callback is NULL. */
void sb_report_text(const struct sb_progress *p, enum sb_report_kind kind,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define sb_report_begin(p, ...)                                                \
	sb_report_text((p), SB_REPORT_BEGIN, __VA_ARGS__)
#define sb_report_note(p, ...) sb_report_text((p), SB_REPORT_NOTE, __VA_ARGS__)
void sb_report_end(const struct sb_progress *p, int ok);

#endif
