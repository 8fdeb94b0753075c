/* The environment forwarded to every sandbox: ~/.sandbox/env, then each
 * --env K=V, rendered into /etc/profile.d/sandbox-env.sh in the container.
 *
 * The file format is deliberately dumb (man/sandbox-files.5): KEY=VALUE
 * lines, '#' comments, blank lines, an optional "export ", one pair of
 * matching quotes stripped, and nothing else: no escapes, no $VAR, no
 * $(...).  What the user wrote is what the agent gets, byte for byte.
 *
 * Values are often secrets (API keys): errors name keys and line numbers,
 * never a value, and sb_env_release() wipes the values before freeing.
 * Nothing here blocks on the daemon. */
#ifndef SB_ENVFILE_H
#define SB_ENVFILE_H

#include <stddef.h>

#include "core/error.h"

/* Longest line accepted in an env file, newline excluded. */
#define SB_ENV_LINE_MAX ((size_t)64 << 10)

/* keys[i] = values[i]; keys unique, in first-seen order.  A zeroed struct
 * is an empty environment. */
struct sb_env {
	char **keys;
	char **values;
	size_t n;
};

/* Parses env file text (len bytes, need not be NUL-terminated) and merges
 * it into env: a key already present keeps its place and takes the new
 * value.  fname names the file in errors ("FILE:LINE: ...").  On error env
 * is left exactly as it was. */
int sb_env_parse(struct sb_env *env, const char *text, size_t len,
		 const char *fname, struct sb_error **err);
/* Reads and parses path.  A missing file is no error when missing_ok. */
int sb_env_load_file(struct sb_env *env, const char *path, int missing_ok,
		     struct sb_error **err);
/* One --env KEY=VALUE: the value is taken verbatim (quotes, newlines and
 * all); a key already present is replaced in place. */
int sb_env_add_kv(struct sb_env *env, const char *kv, struct sb_error **err);
/* Sets key (already checked with sb_env_key_valid) to value, copied. */
int sb_env_set(struct sb_env *env, const char *key, const char *value,
	       struct sb_error **err);
/* Removes key (its value wiped); 1 when it was there, 0 when not. */
int sb_env_unset(struct sb_env *env, const char *key);
/* The value of key, or NULL. */
const char *sb_env_get(const struct sb_env *env, const char *key);
/* 1 when key is a valid name: [A-Za-z_][A-Za-z0-9_]*. */
int sb_env_key_valid(const char *key, size_t len);
/* The body of /etc/profile.d/sandbox-env.sh: a header comment and one
 * "export KEY='value'" line per entry, quoted so that sourcing it in any
 * POSIX shell yields each value unchanged.  Caller frees (and, since it
 * holds the values, should wipe it); NULL when out of memory. */
char *sb_env_render_profile(const struct sb_env *env);
/* Wipes the values, frees everything and leaves env empty. */
void sb_env_release(struct sb_env *env);

#endif
