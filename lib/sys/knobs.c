/* The toolkit's environment variables, read once (see knobs.h). */
#include "sys/knobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct sb_knobs knobs;
static pthread_once_t knobs_once = PTHREAD_ONCE_INIT;

/* A copy: getenv's pointer may go stale when the variable is set again. */
static const char *
knob(const char *var)
{
	const char *v = getenv(var);

	return v && *v ? strdup(v) : NULL;
}

static void
knobs_read(void)
{
#define SB_KNOB_READ(field, var) knobs.field = knob(var);
	SB_KNOBS(SB_KNOB_READ)
#undef SB_KNOB_READ
}

const struct sb_knobs *
sb_knobs_get(void)
{
	pthread_once(&knobs_once, knobs_read);
	return &knobs;
}
