/* sandbox-nuke's two steps, so the front-end can confirm in between. */
#ifndef SB_NUKE_H
#define SB_NUKE_H

#include <stddef.h>

#include "core/error.h"
#include "incus/incus.h"

/* Names of every agent-* and golden-* instance (caller frees each and
 * the array). */
int sb_nuke_targets(struct sb_incus *c, char ***names, size_t *n,
		    struct sb_error **err);
/* Removes one: a sandbox with its agent, rules and GitHub key; a golden
 * image instance.  *left says what stayed on GitHub. */
int sb_nuke_one(struct sb_incus *c, const char *instance, char **left,
		struct sb_error **err);

/* After the instances: deletes the shared cache volumes (cache.h), unless
 * SANDBOX_NUKE_ONLY narrows the sweep to a test's names. */
int sb_nuke_caches(struct sb_incus *c, int *removed, struct sb_error **err);

#endif
