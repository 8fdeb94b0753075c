/* sandbox-setup's whole run: the host's kernel limits, a daemon that
 * answers, Incus's pool, bridge and profile (ops/setup.h), the egress
 * firewall and Squid (net/egress.h), then the golden images asked for
 * (ops/golden.h).  What it finds or makes goes to the progress lines of
 * golden.progress.  Blocks on the daemon for as long as images take. */
#ifndef SB_SETUP_RUN_H
#define SB_SETUP_RUN_H

#include "core/error.h"
#include "incus/incus.h"
#include "ops/golden.h"
#include "ops/setup.h"

struct sb_setup_run_opts {
	/* STACK or "all"; NULL: base */
	const char *stack;
	/* Delete golden-STACK and build it again. */
	int rebuild;
	struct sb_golden_opts golden;
	struct sb_setup_opts setup;
};

/* Checks every value before anything changes: --base, --mirror and
 * --pool-size are only used when the image or the pool is missing, and a
 * bad one must not pass unnoticed until then.  A base of "debootstrap"
 * becomes NULL (the default). */
int sb_setup_run_check(struct sb_setup_run_opts *o, struct sb_error **err);

/* Runs the steps in order; on a failure the lines found so far are
 * reported before returning -1.  Says when nothing changed. */
int sb_setup_run(struct sb_incus *c, const struct sb_setup_run_opts *o,
		 struct sb_error **err);

#endif
