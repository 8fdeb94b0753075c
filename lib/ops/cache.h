/* Shared download caches: one Incus custom volume per ecosystem
 * (sandbox-cache-npm, -cargo, -go, -pip) on the pool of the sandbox
 * profile, owned by uid/gid 1000 and mounted under /var/cache/sandbox/
 * in every sandbox made with --cache (user.sandbox.cache=yes).  The tools
 * find them through environment variables (npm_config_cache, GOMODCACHE,
 * PIP_CACHE_DIR) set in the instance config and in
 * /etc/profile.d/sandbox-cache.sh, and for cargo through the links
 * ~/.cargo/registry and ~/.cargo/git.  A sandbox without --cache has no
 * device, no variable and no link.
 *
 * What sharing costs: every --cache sandbox can write what the others
 * read (a poisoned package in the npm cache is installed offline by the
 * next one).  Blocks on the daemon. */
#ifndef SB_CACHE_H
#define SB_CACHE_H

#include <json-c/json.h>

#include "core/error.h"
#include "incus/incus.h"

#define SB_CACHE_MOUNT "/var/cache/sandbox"
#define SB_CACHE_VOLUME "sandbox-cache-"

/* The kinds, in order: "npm", "cargo", "go", "pip"; NULL-terminated. */
extern const char *const sb_cache_kinds[];

/* A kind name, or NULL/"all" for every kind; anything else is SB_E_INPUT
 * naming the kinds there are. */
int sb_cache_kind_check(const char *kind, struct sb_error **err);

/* Makes the volumes that are missing.  *made gets one bit per kind this
 * call created, for sb_cache_undo. */
int sb_cache_prepare(struct sb_incus *c, unsigned *made,
		     struct sb_error **err);
/* Deletes the volumes *made names, when nothing uses them. */
void sb_cache_undo(struct sb_incus *c, unsigned made);
/* Adds the disk devices and environment.* keys of a --cache sandbox to a
 * create request's config and devices, and user.sandbox.cache=yes. */
int sb_cache_add(struct sb_incus *c, json_object *config,
		 json_object *devices, struct sb_error **err);
/* Once the container runs: the profile.d file and cargo's links. */
int sb_cache_inject(struct sb_incus *c, const char *instance,
		    struct sb_error **err);
/* Empties one kind (or all when kind is NULL or "all"), also while
 * sandboxes use them: a volume no running instance uses is put back to
 * its snapshot "empty"; one in use is emptied in place by the host.
 * *cleared counts the volumes emptied (missing ones are skipped). */
int sb_cache_clear(struct sb_incus *c, const char *kind, int *cleared,
		   struct sb_error **err);
/* Deletes every cache volume (sandbox-nuke, after the instances are
 * gone).  *removed counts them. */
int sb_cache_remove_all(struct sb_incus *c, int *removed,
			struct sb_error **err);

#endif
