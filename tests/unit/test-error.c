/* The error object: set, prefix, pass, and SB_IGNORE's slots for
 * best-effort calls (a nested one never frees the outer one's error). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "tap.h"

static void *
in_thread(void *arg)
{
	struct sb_error **e = SB_IGNORE;

	(void)arg;
	sb_error_set(e, SB_E_FAIL, "thread %d", 1);
	/* Freed when the thread ends (valgrind would count it). */
	return *e ? (void *)1 : NULL;
}

int
main(void)
{
	struct sb_error *err = NULL, *e = NULL;
	struct sb_error **a, **b;
	pthread_t t;
	void *r = NULL;

	CHECK(sb_error_set(&err, SB_E_INPUT, "bad '%s'", "x") == -1, "-1");
	CHECK_STR(err ? err->msg : NULL, "bad 'x'", "message");
	sb_error_prefix(&err, "starting '%s'", "api");
	CHECK_STR(err ? err->msg : NULL, "starting 'api': bad 'x'", "prefix");
	sb_error_set(&e, SB_E_NOTFOUND, "gone");
	sb_error_pass(&err, &e);
	CHECK(e == NULL && err && sb_error_is(err, SB_E_NOTFOUND), "pass");
	CHECK(!sb_error_is(NULL, SB_E_NOTFOUND), "NULL-safe");
	sb_error_free(err);

	/* A failure path that ignores an error and, inside it, another. */
	a = SB_IGNORE;
	sb_error_set(a, SB_E_FAIL, "outer");
	b = SB_IGNORE;
	CHECK(a != b, "a nested ignore gets its own slot");
	sb_error_set(b, SB_E_FAIL, "inner");
	CHECK_STR(*a ? (*a)->msg : NULL, "outer", "the outer error is intact");
	CHECK(*SB_IGNORE == NULL, "a slot is empty when handed out");
	for (int i = 0; i < 20; i++)
		sb_error_set(SB_IGNORE, SB_E_FAIL, "again %d", i);
	CHECK(pthread_create(&t, NULL, in_thread, NULL) == 0 &&
	      pthread_join(t, &r) == 0 && r == (void *)1, "per thread");
	return tap_done();
}
