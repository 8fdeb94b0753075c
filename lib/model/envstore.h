/* The environment a sandbox keeps across restarts.
 *
 * Values given with --env (at creation or on a restart) are kept in the
 * instance's config as user.sandbox.env, a JSON object of strings, and
 * written with ~/.sandbox/env (re-read at every start) into
 * /etc/profile.d/sandbox-env.sh at every start; --unset-env drops one.
 *
 * Why Incus config is a safe place for values that are often secrets:
 * it lives in the daemon's database (/var/lib/incus/database, mode 0700
 * root) and in the instance's backup.yaml (mode 0400 root, in a volume
 * directory of mode 0100), and is served only through the unix socket
 * (root and incus-admin, who are root-equivalent anyway).  Nothing of it
 * is world-readable on the host.  The container itself can read user.*
 * keys through the guest API; it is given these values anyway.
 *
 * Nothing here blocks on the daemon. */
#ifndef SB_ENVSTORE_H
#define SB_ENVSTORE_H

#include <stddef.h>

#include "model/envfile.h"
#include "core/error.h"

/* Builds, without changing anything:
 *   keep = stored (user.sandbox.env; NULL or "": nothing kept yet)
 *          + each set[] "K=V" (added or replaced) - each unset[] key;
 *   out  = the file at home_env (missing is fine) + keep on top.
 * *keep_json gets the new user.sandbox.env text (caller frees it with
 * sb_text_wipe).
 * Errors name keys and never values. */
int sb_envstore_compose(const char *home_env, const char *stored,
			const char *const *set, size_t nset,
			const char *const *unset, size_t nunset,
			struct sb_env *out, char **keep_json,
			struct sb_error **err);

/* Merges a user.sandbox.env text into env. */
int sb_envstore_parse(struct sb_env *env, const char *json,
		      struct sb_error **err);
/* The user.sandbox.env text for env; NULL when out of memory. */
char *sb_envstore_render(const struct sb_env *env);

#endif
