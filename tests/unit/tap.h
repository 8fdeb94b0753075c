/* The smallest test harness that does the job: each check counts as passed
 * or failed, a failure prints where and why, and tap_done() prints the
 * closing "N passed, N failed" line and gives the exit status. */
#ifndef SB_TAP_H
#define SB_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_passed, tap_failed;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (cond) {                                                \
			tap_passed++;                                      \
		} else {                                                   \
			tap_failed++;                                      \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,      \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

#define CHECK_STR(got, want, ...)                                          \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		int ok_ = (g_ == NULL && w_ == NULL) ||                    \
			  (g_ && w_ && strcmp(g_, w_) == 0);               \
		CHECK(ok_, __VA_ARGS__);                                   \
		if (!ok_)                                                  \
			fprintf(stderr, "     got \"%s\", want \"%s\"\n",  \
				g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
	} while (0)

static inline int
tap_done(void)
{
	printf("%d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
