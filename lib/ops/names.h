/* Names for shell completion and scripts: sandboxes and stacks, from one
 * plain GET /1.0/instances (URLs only, no recursion, no health checks),
 * so a Tab press costs a few milliseconds.  Blocks on the daemon. */
#ifndef SB_NAMES_H
#define SB_NAMES_H

#include <stddef.h>

#include "core/error.h"
#include "incus/incus.h"

/* stacks 0: every sandbox NAME (from agent-NAME); stacks 1: every stack,
 * the shipped ones (DATADIR/stacks/STACK.sh) and custom ones (a
 * golden-STACK instance without a shipped script), base first.  Sorted,
 * unique; caller frees each and the array (NULL-terminated). */
char **sb_names_list(struct sb_incus *c, int stacks, size_t *n,
		     struct sb_error **err);
void sb_names_free(char **v, size_t n);

#endif
