/* --format table|json|csv, as incus list takes it, shared by every
 * program that lists (sandbox-list, sandbox-snapshot --list,
 * sandbox-setup --list-stacks).  --json stays as the short form of
 * --format json.  Nothing here touches the daemon. */
#ifndef SB_FORMAT_H
#define SB_FORMAT_H

#include <stdio.h>

#include "core/error.h"

enum sb_format { SB_FMT_TABLE = 0, SB_FMT_JSON, SB_FMT_CSV };

#define SB_OPT_FORMAT 0x1001
#define SB_OPT_JSON 0x1002
#define SB_FORMAT_OPTIONS                                                  \
	{ "format", required_argument, NULL, SB_OPT_FORMAT },              \
	{ "json", no_argument, NULL, SB_OPT_JSON }

/* "table", "json" or "csv"; anything else is SB_E_USAGE naming the value
 * and what is allowed. */
int sb_format_parse(const char *s, enum sb_format *out,
		    struct sb_error **err);

/* The default: of a listing program's getopt switch.  SB_OPT_FORMAT (arg
 * the value) or SB_OPT_JSON goes into *fmt, with *given = 1 when given is
 * not NULL, and gives SB_CLI_GO_ON; a bad value is reported as
 * sb_cli_exit does and its exit status returned.  Any other opt is
 * sb_cli_common's (--help, --version, unknown options). */
int sb_format_option(int opt, const char *arg, enum sb_format *fmt, int *given,
		     const char *usage);

/* One CSV record (RFC 4180): a cell with a comma, a quote, CR or LF is
 * quoted and its quotes doubled; NULL cells are empty.  Control bytes
 * other than tab are written as \xNN, since cells can carry what a
 * container wrote (a branch name). */
void sb_csv_row(FILE *f, int ncols, const char *const *cells);

/* "42s", "5m", "3h", "2d" for an age in seconds ("-" when negative). */
void sb_format_age(char *buf, size_t n, long long secs);
/* "512B", "1.5KiB", "3.2GiB"; "-" for a negative (unknown) size. */
void sb_format_size(char *buf, size_t n, long long bytes);

#endif
