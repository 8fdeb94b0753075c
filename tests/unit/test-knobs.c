/* The environment knobs: read once, empty is unset, values are copies. */
#include <pthread.h>
#include <stdlib.h>

#include "sys/knobs.h"
#include "tap.h"

static void *
reader(void *arg)
{
	(void)arg;
	return (void *)sb_knobs_get();
}

int
main(void)
{
	const struct sb_knobs *k;
	pthread_t t[4];
	void *got[4];

	setenv("SANDBOX_FAIL_AT", "egress", 1);
	setenv("SANDBOX_PROFILE", "", 1);
	setenv("INCUS_DIR", "/srv/incus", 1);
	unsetenv("SANDBOX_NUKE_ONLY");
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], &got[i]);
	k = sb_knobs_get();
	for (int i = 0; i < 4; i++)
		CHECK(got[i] == k, "one struct for every thread");
	CHECK_STR(k->fail_at, "egress", "set");
	CHECK(k->profile == NULL, "empty is unset");
	CHECK(k->nuke_only == NULL, "unset");
	CHECK_STR(k->incus_dir, "/srv/incus", "user-facing one");

	/* Read once: a later change is not seen, and the old value stays
	 * valid. */
	setenv("SANDBOX_FAIL_AT", "create", 1);
	unsetenv("INCUS_DIR");
	CHECK_STR(sb_knobs_get()->fail_at, "egress", "not read again");
	CHECK_STR(sb_knobs_get()->incus_dir, "/srv/incus", "a copy");
	return tap_done();
}
