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

void sb_report_begin(const struct sb_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_report_end(const struct sb_progress *p, int ok);
void sb_report_note(const struct sb_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
