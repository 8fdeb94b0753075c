/* The interrupt flag (see signals.h). */
#include "sys/signals.h"

#include <signal.h>

static volatile sig_atomic_t got_signal, armed;

static void
on_signal(int sig)
{
	got_signal = sig;
}

void
sb_signals_catch(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
sb_signals_arm(int on)
{
	armed = on;
}

int
sb_signals_interrupted(void)
{
	return armed && got_signal;
}

int
sb_signals_check(struct sb_error **err)
{
	if (!sb_signals_interrupted())
		return 0;
	return sb_error_set(err, SB_E_INTERRUPTED, "interrupted by signal %d",
			    (int)got_signal);
}
