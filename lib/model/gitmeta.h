/* The two facts sandbox-list shows about a workspace repository, parsed
 * from the bytes of .git/HEAD and .git/config read out of a container.
 *
 * A parser of our own instead of libgit2: libgit2 opening the repository
 * would follow a gitlink (.git as a file naming another directory) and
 * config includes (include.path, includeIf) to wherever the container
 * points them, which from the host means host files.  These functions
 * only look at the bytes given and never touch a file.  The inputs are
 * hostile; results contain printable ASCII only, so nothing the container
 * wrote can put escape sequences on the user's terminal.  Nothing here
 * blocks. */
#ifndef SB_GITMETA_H
#define SB_GITMETA_H

#include <stddef.h>

/* The inputs read are at most this long (a real HEAD is one line; the
 * origin sits near the top of a config). */
#define SB_GITMETA_HEAD_MAX 4096
#define SB_GITMETA_CONFIG_MAX 65536

/* From HEAD: "ref: refs/heads/B" gives "B"; a detached HEAD (a hex
 * object id) gives its first 12 digits.  NULL for anything else.
 * Caller frees. */
char *sb_gitmeta_branch(const char *head, size_t len);

/* From config: the first url of [remote "origin"], unquoted.  NULL when
 * there is none or it is not printable ASCII.  Caller frees. */
char *sb_gitmeta_origin(const char *config, size_t len);

#endif
