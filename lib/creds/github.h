/* The GitHub side of deploy keys: repository URLs, the API token, and the
 * REST calls POST/GET/DELETE /repos/OWNER/REPO/keys.
 *
 * The token comes from GH_TOKEN, then GITHUB_TOKEN, then the output of
 * `gh auth token` when gh is installed.  The API base is GITHUB_API_URL
 * (default https://api.github.com), so GitHub Enterprise and a local test
 * server work.  The token is held only in memory, wiped on free, and never
 * appears in an error message.
 *
 * Every call blocks on the network (connect timeout 10 s, whole request
 * 30 s); a 5xx answer is retried up to SB_GITHUB_RETRIES times. */
#ifndef SB_GITHUB_H
#define SB_GITHUB_H

#include "core/cleanup.h"
#include "core/error.h"

#define SB_GITHUB_DEFAULT_API "https://api.github.com"
#define SB_GITHUB_RETRIES 3

struct sb_github;

/* Finds the token and the API base.  No request is made.  Fails with a
 * message saying how to provide a token when there is none. */
struct sb_github *sb_github_open(struct sb_error **err);
/* Wipes the token. */
void sb_github_free(struct sb_github *g);
SB_DEFINE_CLEANUP(struct sb_github *, sb_github_free)
#define _cleanup_github_ _cleanup_(sb_github_free_ptr)
/* "GH_TOKEN", "GITHUB_TOKEN" or "gh auth token". */
const char *sb_github_token_source(const struct sb_github *g);

/* POST /repos/SLUG/keys {title, key, read_only}; *id receives the new
 * key's id. */
int sb_github_key_add(struct sb_github *g, const char *slug,
		      const char *title, const char *pubkey, int read_only,
		      long long *id, struct sb_error **err);
/* DELETE /repos/SLUG/keys/ID; a key that is already gone (404) counts as
 * deleted. */
int sb_github_key_delete(struct sb_github *g, const char *slug, long long id,
			 struct sb_error **err);

/* Where a person removes a key by hand:
 * https://github.com/SLUG/settings/keys (caller frees). */
char *sb_github_keys_page(const char *slug);

#endif
