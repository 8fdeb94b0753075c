/* Golden images: golden-STACK instances with a snapshot `ready`, from
 * which sandboxes are cloned (a btrfs snapshot, milliseconds).
 *
 * golden-base comes from a base image (by default a debootstrap of the
 * host's release from its configured apt mirror, imported once as image
 * alias sandbox-debian-CODENAME) plus stacks/base.sh; every other
 * golden-STACK is a copy of golden-base/ready plus stacks/STACK.sh.  A
 * stack that fails leaves no golden-STACK behind; its log stays in
 * /var/log/sandbox/golden-STACK.log.  Shows progress through lib/cli.
 * Blocks on the daemon for minutes. */
#ifndef SB_GOLDEN_H
#define SB_GOLDEN_H

#include <stddef.h>

#include "error.h"
#include "incus.h"

struct sb_golden_opts {
	const char *base;   /* NULL: debootstrap; "images:ALIAS" */
	const char *mirror; /* NULL: the host's apt mirror */
};

/* 1 when golden-STACK/ready exists, 0 when not, -1 on error. */
int sb_golden_ready(struct sb_incus *c, const char *stack,
		    struct sb_error **err);
/* Builds golden-STACK (and golden-base first when it is missing) unless
 * it is ready; rebuild deletes and builds it again.  *built says whether
 * anything was built. */
int sb_golden_ensure(struct sb_incus *c, const char *stack,
		     const struct sb_golden_opts *o, int rebuild, int *built,
		     struct sb_error **err);
/* The stacks shipped in DATADIR/stacks, base first.  Caller frees each
 * and the array. */
char **sb_golden_stacks(size_t *n, struct sb_error **err);
/* 1 when stacks/STACK.sh exists; otherwise the error lists the stacks. */
int sb_golden_stack_known(const char *stack, struct sb_error **err);
/* Path of a stack's build log (static storage). */
const char *sb_golden_log_path(const char *stack);

#endif
