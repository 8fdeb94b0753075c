/* sandbox-stop: stopping a sandbox, and with --rm removing it.  Blocks on
 * the daemon. */
#ifndef SB_STOP_H
#define SB_STOP_H

#include "core/error.h"
#include "incus/incus.h"

/* Stops NAME (clean shutdown for grace seconds, then forced), ending its
 * agent and removing its egress rules; a stopped one is not an error.
 * With rm, also deletes the GitHub key and the instance; *left (caller
 * frees) then says what could not be removed on GitHub, if anything. */
int sb_stop(struct sb_incus *c, const char *name, int rm, int grace,
	    char **left, struct sb_error **err);

#endif
