/* Progress lines on the terminal (see progress.h). */
#include "cli/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sys/clock.h"

/* Progress: a ticker thread redraws the line once a second on a tty. */
static struct {
	pthread_mutex_t lock;
	pthread_t ticker;
	int active, tty, quiet, stop;
	char label[512];
	double t0;
} pg = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
sb_progress_quiet(int quiet)
{
	pg.quiet = quiet;
}

static double
elapsed(void)
{
	return sb_clock_now() - pg.t0;
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
	pg.t0 = sb_clock_now();
	pg.active = 1;
	if (pg.quiet)
		return;
	pg.tty = isatty(STDERR_FILENO) && !sb_cli_dumb_term();
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
		.begin = cli_begin,
		.end = cli_end,
		.note = cli_note,
	};

	return &p;
}
