#include "cli/cli.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/text.h"

static const char *prog = "sandbox";

void
sb_cli_init(const char *argv0)
{
	const char *s = argv0 ? strrchr(argv0, '/') : NULL;

	prog = s ? s + 1 : (argv0 ? argv0 : "sandbox");
}

const char *
sb_cli_prog(void)
{
	return prog;
}

int
sb_cli_common(int opt, const char *usage)
{
	if (opt == SB_OPT_HELP) {
		fputs(usage, stdout);
		return SB_EXIT_OK;
	}
	if (opt == SB_OPT_VERSION) {
		printf("%s %s\n", prog, SB_VERSION);
		return SB_EXIT_OK;
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return SB_EXIT_USAGE;
}

/* Messages quote what the user typed; a newline or an escape sequence
 * in it must neither break the one-line message nor reach the terminal,
 * so control bytes are written as \xNN. */
static void
put_msg(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
}

static void
put_vmsg(const char *fmt, va_list ap)
{
	char *s = sb_text_vfmt(fmt, ap);

	if (!s)
		return;
	put_msg(s);
	free(s);
}

void
sb_cli_say(const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s", prog, label);
	va_start(ap, fmt);
	put_vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
sb_cli_usage_hint(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return SB_EXIT_USAGE;
}

int
sb_cli_exit(struct sb_error *err)
{
	int code;

	if (!err)
		return SB_EXIT_OK;
	fprintf(stderr, "%s: ", prog);
	put_msg(err->msg ? err->msg : "");
	fputc('\n', stderr);
	switch (err->code) {
	case SB_E_USAGE:
		code = SB_EXIT_USAGE;
		break;
	case SB_E_NOTIMPL:
		code = SB_EXIT_NOTIMPL;
		break;
	case SB_E_INTERRUPTED:
		code = 130;
		break;
	default:
		code = SB_EXIT_FAIL;
	}
	sb_error_free(err);
	return code;
}

int
sb_cli_result(int rc, struct sb_error *err)
{
	if (rc < 0 && !err) {
		fprintf(stderr, "%s: internal error: the command failed "
			"without saying why; please report it\n", prog);
		return SB_EXIT_FAIL;
	}
	return sb_cli_exit(err);
}

/* TERM=dumb: a terminal that cannot move the cursor or draw colour. */
static int
dumb_term(void)
{
	const char *term = getenv("TERM");

	return term && strcmp(term, "dumb") == 0;
}

int
sb_cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if ((nc && *nc) || dumb_term())
		return 0;
	return isatty(fileno(f));
}

const char *
sb_cli_paint(FILE *f, const char *what)
{
	static const struct { const char *name, *code; } codes[] = {
		{ "bold", "\033[1m" },  { "dim", "\033[2m" },
		{ "red", "\033[31m" },  { "green", "\033[32m" },
		{ "yellow", "\033[33m" }, { "reset", "\033[0m" },
	};

	if (!sb_cli_color(f))
		return "";
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, what) == 0)
			return codes[i].code;
	return "";
}

/* Progress: a ticker thread redraws the line once a second on a tty. */
static struct {
	pthread_mutex_t lock;
	pthread_t ticker;
	int active, tty, quiet, stop;
	char label[512];
	struct timespec t0;
} pg = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
sb_progress_quiet(int quiet)
{
	pg.quiet = quiet;
}

static double
elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - pg.t0.tv_sec) +
	       (double)(now.tv_nsec - pg.t0.tv_nsec) / 1e9;
}

static void
redraw(void)
{
	fprintf(stderr, "\r\033[K%s... %ds", pg.label, (int)elapsed());
	fflush(stderr);
}

static void *
tick(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 250 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&pg.lock);
		if (pg.stop) {
			pthread_mutex_unlock(&pg.lock);
			return NULL;
		}
		redraw();
		pthread_mutex_unlock(&pg.lock);
	}
}

void
sb_progress_begin(const char *fmt, ...)
{
	va_list ap;

	if (pg.active)
		sb_progress_end(1);
	va_start(ap, fmt);
	vsnprintf(pg.label, sizeof(pg.label), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &pg.t0);
	pg.active = 1;
	if (pg.quiet)
		return;
	pg.tty = isatty(STDERR_FILENO) && !dumb_term();
	if (!pg.tty) {
		fprintf(stderr, "%s...\n", pg.label);
		return;
	}
	pg.stop = 0;
	redraw();
	if (pthread_create(&pg.ticker, NULL, tick, NULL) != 0)
		pg.tty = 0;
}

void
sb_progress_end(int ok)
{
	double t;

	if (!pg.active)
		return;
	pg.active = 0;
	if (pg.quiet)
		return;
	if (pg.tty) {
		pthread_mutex_lock(&pg.lock);
		pg.stop = 1;
		pthread_mutex_unlock(&pg.lock);
		pthread_join(pg.ticker, NULL);
		fputs("\r\033[K", stderr);
	}
	t = elapsed();
	fprintf(stderr, "%s: %s (%.1fs)\n", pg.label, ok ? "done" : "failed",
		t);
}

void
sb_progress_note(const char *fmt, ...)
{
	va_list ap;

	if (pg.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
cli_begin(void *ctx, const char *text)
{
	(void)ctx;
	sb_progress_begin("%s", text);
}

static void
cli_end(void *ctx, int ok)
{
	(void)ctx;
	sb_progress_end(ok);
}

static void
cli_note(void *ctx, const char *text)
{
	(void)ctx;
	sb_progress_note("%s", text);
}

const struct sb_progress *
sb_cli_progress(void)
{
	static const struct sb_progress p = {
		.begin = cli_begin, .end = cli_end, .note = cli_note,
	};

	return &p;
}

struct sb_table {
	int ncols;
	size_t nrows, cap;
	char **cells; /* nrows * ncols, row 0 the headers */
};

struct sb_table *
sb_table_new(int ncols, const char *const *headers)
{
	struct sb_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	sb_table_add(t, headers);
	return t;
}

void
sb_table_add(struct sb_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * (size_t)t->ncols *
					     sizeof(*c));

		if (!c)
			return;
		t->cells = c;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] =
			strdup(cells[i] ? cells[i] : "-");
	t->nrows++;
}

void
sb_table_print(struct sb_table *t, FILE *f)
{
	size_t w[64] = { 0 };
	int n = t->ncols < 64 ? t->ncols : 64;

	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < n; c++) {
			const char *s = t->cells[r * (size_t)t->ncols +
						 (size_t)c];
			size_t l = s ? strlen(s) : 0;

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		if (r == 0)
			fputs(sb_cli_paint(f, "bold"), f);
		for (int c = 0; c < n; c++) {
			const char *s = t->cells[r * (size_t)t->ncols +
						 (size_t)c];

			if (c == n - 1)
				fprintf(f, "%s", s ? s : "");
			else
				fprintf(f, "%-*s  ", (int)w[c], s ? s : "");
		}
		if (r == 0)
			fputs(sb_cli_paint(f, "reset"), f);
		fputc('\n', f);
	}
}

void
sb_table_free(struct sb_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
