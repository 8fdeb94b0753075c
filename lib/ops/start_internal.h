/* What the files of sandbox-start share (start.c: restart-or-create;
 * start_create.c, start_restart.c: the two ways; start_boot.c,
 * start_slot.c, start_limits.c: pieces both use).  Internal to
 * lib/ops/start*.c. */
#ifndef SB_START_INTERNAL_H
#define SB_START_INTERNAL_H

#include <json-c/json.h>

#include "core/error.h"
#include "core/progress.h"
#include "incus/incus.h"
#include "model/envfile.h"
#include "model/sandbox.h"
#include "ops/start.h"

/* Where this start's own steps are reported: nowhere with --quiet. */
static inline const struct sb_progress *
sb_start_steps(const struct sb_start_opts *o)
{
	return o->quiet ? NULL : o->progress;
}

/* Makes NAME from scratch (start_create.c): every step that changes the
 * world is undone, in reverse, when a later one fails. */
int sb_start_create(struct sb_incus *c, const struct sb_start_opts *o,
		    int want_slot, const char *inst, const struct sb_env *env,
		    const char *keep, struct sb_start_result *res,
		    struct sb_error **err);
/* Starts the existing *sp again, or refreshes a running one
 * (start_restart.c); may re-read *sp. */
int sb_start_restart(struct sb_incus *c, const struct sb_start_opts *o,
		     struct sb_sandbox **sp, const struct sb_env *env,
		     const char *keep, struct sb_start_result *res,
		     struct sb_error **err);

/* After boot (start_boot.c): the host user's public key for ubuntu and
 * root (*identity: the private half's path, when asked and found), the
 * environment's profile when write_env, and the workspace directories. */
int sb_start_inject_files(struct sb_incus *c, const char *inst,
			  const struct sb_env *env, int write_env,
			  char **identity, struct sb_error **err);
/* Waits until sshd answers with its banner on 127.0.0.1:port. */
int sb_start_wait_sshd(int port, double timeout, struct sb_error **err);

/* Slots (start_slot.c): picks one under the slot lock, want (1..99) or
 * with want 0 the lowest free. */
int sb_start_pick_slot(struct sb_incus *c, int want, int *slot,
		       struct sb_error **err);
/* The three proxy devices of the compatibility contract on these host
 * ports (0: that device is left out), forwarding to addr. */
void sb_start_slot_proxies(json_object *devs, int ssh, int app, int alt,
			   const char *addr);

/* --cpu and --memory (start_limits.c): checked before anything changes,
 * added to a create's config, or set on an existing instance. */
int sb_start_limits_check(const struct sb_start_opts *o, struct sb_error **err);
void sb_start_limits_add(json_object *cfg, const struct sb_start_opts *o);
int sb_start_limits_apply(struct sb_incus *c, const char *inst,
			  const struct sb_start_opts *o, struct sb_error **err);

#endif
