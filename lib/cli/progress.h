/* Progress lines on the terminal for the front-ends, and the same as the
 * callback operations report through (core/progress.h). */
#ifndef SB_CLI_PROGRESS_H
#define SB_CLI_PROGRESS_H

#include "core/progress.h"

/* Progress for a long step.  On a terminal the line shows the step and the
 * seconds so far, updated in place; otherwise a plain line at the start
 * and one at the end.  quiet suppresses all of it. */
void sb_progress_quiet(int quiet);
void sb_progress_begin(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void sb_progress_end(int ok);
/* A one-off informational line (respects quiet). */
void sb_progress_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* The above as the progress an operation reports through (its options'
 * .progress), so that no operation in lib/ops prints. */
const struct sb_progress *sb_cli_progress(void);

#endif
