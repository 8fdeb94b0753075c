/* What the front-ends share: the error-to-exit-status rule, common flags,
 * messages and colour (progress lines are cli/progress.h, tables
 * cli/table.h, --format cli/format.h).  cli/ is the only layer of the
 * library that writes to the terminal. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "core/error.h"

/* Exit statuses, documented in every man page. */
enum { SB_EXIT_OK = 0, SB_EXIT_FAIL = 1, SB_EXIT_USAGE = 2,
       SB_EXIT_NOTIMPL = 69 };

/* The long options every program takes; put SB_CLI_COMMON_OPTIONS in the
 * program's table and pass unknown short codes to sb_cli_common(). */
#define SB_OPT_HELP 'h'
#define SB_OPT_VERSION 0x1000
#define SB_CLI_COMMON_OPTIONS                                              \
	{ "help", no_argument, NULL, SB_OPT_HELP },                        \
	{ "version", no_argument, NULL, SB_OPT_VERSION }

void sb_cli_init(const char *argv0);
const char *sb_cli_prog(void);

/* Handles --help (prints usage to stdout), --version, and unknown options
 * (getopt has already said which; prints the --help hint).  Returns the
 * exit status to leave with. */
int sb_cli_common(int opt, const char *usage);
/* What an option handler returns when the program goes on parsing. */
#define SB_CLI_GO_ON (-1)

/* Prints "prog: LABELmessage" and a newline to stderr. */
void sb_cli_say(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the --help hint; returns 2, the usage error's exit status. */
int sb_cli_usage_hint(void);

/* Prints "prog: message" and the --help hint; returns 2. */
#define sb_cli_usage_error(...)                                                \
	(sb_cli_say("", __VA_ARGS__), sb_cli_usage_hint())

/* Prints the error once, as one line "prog: message", frees it and
 * returns the exit status that goes with it (0 when err is NULL). */
int sb_cli_exit(struct sb_error *err);

/* The same, for the outcome of a library call: rc < 0 with no error set
 * breaks the error contract (lib/core/error.h), and is reported as an internal
 * error with exit status 1, never 0. */
int sb_cli_result(int rc, struct sb_error *err);

/* Prints "prog: warning: ..." to stderr. */
#define sb_cli_warn(...) sb_cli_say("warning: ", __VA_ARGS__)

/* TERM=dumb: a terminal that cannot move the cursor or draw colour. */
int sb_cli_dumb_term(void);
/* Colour only on a terminal and never with NO_COLOR or TERM=dumb. */
int sb_cli_color(FILE *f);
const char *sb_cli_paint(FILE *f, const char *what); /* "bold", "green"... */

#endif
