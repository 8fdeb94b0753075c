/* Golden images: golden-STACK instances with a snapshot `ready`, from
 * which sandboxes are cloned (a btrfs snapshot, milliseconds).
 *
 * golden-base comes from a base image (by default a debootstrap of Debian
 * SB_DEFAULT_RELEASE, whatever the host runs, from the host's configured
 * apt mirror, imported once as image alias sandbox-debian-CODENAME) plus
 * base.sh; every other golden-STACK is a copy of golden-PARENT/ready
 * (base unless the script names another, see stack.h) plus STACK.sh.
 * Each records user.sandbox.release, .stack-origin, .stack-parent and the
 * "== version:" lines its script printed (.versions).  A stack that
 * fails leaves no golden-STACK behind; its log stays in
 * /var/log/sandbox/golden-STACK.log.  Shows progress through lib/cli.
 * Blocks on the daemon for minutes. */
#ifndef SB_GOLDEN_H
#define SB_GOLDEN_H

#include <stddef.h>

#include "core/error.h"
#include "core/progress.h"
#include "incus/incus.h"
#include "model/stack.h"

/* The Debian release new golden images are made from. */
#define SB_DEFAULT_RELEASE "trixie"

struct sb_golden_opts {
	const struct sb_progress *progress; /* NULL: silent */
	const char *base;    /* NULL: debootstrap; "images:ALIAS" */
	const char *mirror;  /* NULL: the host's apt mirror */
	const char *release; /* NULL: SB_DEFAULT_RELEASE */
};

/* o->release or the default. */
const char *sb_golden_release(const struct sb_golden_opts *o);
/* A release codename: 2 to 32 lower-case letters. */
int sb_golden_release_check(const char *release, struct sb_error **err);
/* "golden-", or $SANDBOX_GOLDEN_PREFIX (a short label such as "g2-") so
 * that images can be tried side by side with the ones in use. */
const char *sb_golden_prefix(void);
/* The Debian release golden-STACK was made from (caller frees), or NULL
 * when unknown or not built. */
char *sb_golden_image_release(struct sb_incus *c, const char *stack);

/* 1 when golden-STACK/ready exists, 0 when not, -1 on error. */
int sb_golden_ready(struct sb_incus *c, const char *stack,
		    struct sb_error **err);
/* Builds golden-STACK (and golden-base first when it is missing) unless
 * it is ready; rebuild deletes and builds it again.  *built says whether
 * anything was built. */
int sb_golden_ensure(struct sb_incus *c, const char *stack,
		     const struct sb_golden_opts *o, int rebuild, int *built,
		     struct sb_error **err);
/* Ensures several stacks at once: each in a child process of its own,
 * up to jobs at a time, a stack only once its parent (when among them)
 * is done, so base is built alone and its children side by side.  A
 * failure does not stop the others; the error names every stack that
 * failed and why. */
int sb_golden_ensure_many(struct sb_incus *c, const char *const *stacks,
			  size_t n, const struct sb_golden_opts *o,
			  int rebuild, int jobs, int *built,
			  struct sb_error **err);
/* When golden-base exists on another release than o asks for (the
 * default moved from the host's release to trixie), a message saying so
 * and how to rebuild; NULL otherwise.  Caller frees.  Changes nothing. */
char *sb_golden_release_note(struct sb_incus *c,
			     const struct sb_golden_opts *o);
/* The names of every stack (stack.h), base first.  Caller frees each
 * and the array. */
char **sb_golden_stacks(size_t *n, struct sb_error **err);
/* 1 when STACK's script and all its parents' exist; otherwise the error
 * says which is missing and lists the stacks. */
int sb_golden_stack_known(const char *stack, struct sb_error **err);
/* What is known of golden-STACK, for --list-stacks. */
struct sb_golden_info {
	int ready;
	long long created; /* the ready snapshot, seconds since the epoch;
			      -1 when unknown */
	char *release;     /* NULL when unknown */
	char *versions;    /* "== version:" lines, newline-separated */
	char *origin;      /* where its script came from when built */
	char *parent;      /* the stack it was built on, "" for base */
};
/* Fills out; a stack not built is ready = 0 and no error. */
int sb_golden_describe(struct sb_incus *c, const struct sb_stack *st,
		       struct sb_golden_info *out, struct sb_error **err);
void sb_golden_info_release(struct sb_golden_info *g);
/* Path of a stack's build log (static storage). */
const char *sb_golden_log_path(const char *stack);

#endif
