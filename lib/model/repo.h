/* GitHub repository URLs as given to sandbox-start.
 *
 * Exactly three spellings are accepted, because the deploy key is
 * registered on exactly one GitHub repository and anything looser (other
 * hosts, extra path parts, credentials in the URL) would mean cloning
 * something the key was not made for:
 *
 *     git@github.com:OWNER/REPO(.git)
 *     ssh://git@github.com/OWNER/REPO(.git)
 *     https://github.com/OWNER/REPO(.git)(/)
 *
 * Nothing here blocks. */
#ifndef SB_REPO_H
#define SB_REPO_H

#include "core/error.h"

#define SB_REPO_OWNER_MAX 39
#define SB_REPO_NAME_MAX 100

struct sb_repo {
	char *owner;     /* as written (GitHub compares case-insensitively) */
	char *name;      /* without ".git" */
	char *ssh_url;   /* git@github.com:OWNER/REPO.git */
	char *https_url; /* https://github.com/OWNER/REPO (REPO.git when
			    REPO ends in .git) */
};

/* Fills out (which need not be initialised) on success; on error out is
 * zeroed and *err reads "invalid repository 'X': use ...".  Credentials
 * in X are masked in the message. */
int sb_repo_parse(const char *url, struct sb_repo *out, struct sb_error **err);
/* 1 when slug is OWNER/REPO by the rules sb_repo_parse applies (slugs
 * go into GitHub API paths), else 0. */
int sb_repo_slug_ok(const char *slug);
/* "OWNER/REPO"; caller frees; NULL when out of memory. */
char *sb_repo_slug(const struct sb_repo *r);
void sb_repo_release(struct sb_repo *r);

#endif
