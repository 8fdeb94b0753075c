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
sb_host_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
sb_host_arm_interrupt(int on)
{
	armed = on;
}

int
sb_host_interrupted(void)
{
	return armed && got_signal;
}

int
sb_host_check_interrupt(struct sb_error **err)
{
	if (!sb_host_interrupted())
		return 0;
	return sb_error_set(err, SB_E_INTERRUPTED, "interrupted by signal %d",
			    (int)got_signal);
}
