/* sandbox-domains: a restricted sandbox's allowlist, read and changed
 * while it runs.  A change writes the sandbox's own copy of the list
 * (SB_STATE_DIR/domains/NAME.txt), points user.sandbox.domains-file at it
 * and reloads the filter: no restart, other sandboxes undisturbed.
 * Blocks on the daemon and on Squid's reload. */
#ifndef SB_DOMAINS_H
#define SB_DOMAINS_H

#include <stddef.h>

#include "model/allowlist.h"
#include "core/error.h"
#include "incus/incus.h"

#define SB_DOMAINS_DIR "/var/lib/sandbox/domains"

/* The list NAME uses now and where it comes from (*source, caller
 * frees); *restricted says whether egress is filtered at all. */
int sb_domains_get(struct sb_incus *c, const char *name,
		   struct sb_allowlist *al, char **source, int *restricted,
		   struct sb_error **err);

/* Adds and removes domains (each validated like an allowlist line;
 * removing one that is not there is an error) and applies the result.
 * Nothing changes when any of them is refused. */
int sb_domains_edit(struct sb_incus *c, const char *name,
		    const char *const *add, size_t nadd,
		    const char *const *remove, size_t nremove,
		    struct sb_error **err);

/* The edit itself, on a list in memory (no Incus, no files): cur minus
 * remove (each must be in cur) plus add (once each), in order; every name
 * validated like an allowlist line.  *out (caller frees with
 * sb_domains_list_free) holds the new list; on error nothing is
 * returned.  name is only for messages. */
int sb_domains_apply(const char *name, char *const *cur, size_t ncur,
		     const char *const *add, size_t nadd,
		     const char *const *remove, size_t nremove, char ***out,
		     size_t *nout, struct sb_error **err);
void sb_domains_list_free(char **v, size_t n);

/* sandbox-stop --rm: forgets the sandbox's own copy, if it has one. */
void sb_domains_forget(const char *name);

#endif
