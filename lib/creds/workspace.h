/* Reading a sandbox's /workspace/project without entering it: on a local
 * daemon the container's root filesystem is a directory of the storage
 * pool, read from the host through lib/rootfs (confined to that
 * directory, never blocking) and parsed by lib/gitmeta (never libgit2,
 * which would follow the container's gitlinks and includes out of it).
 * Callers fall back to the Incus file API when the rootfs is not
 * reachable. */
#ifndef SB_WORKSPACE_H
#define SB_WORKSPACE_H

#include "core/buf.h"
#include "model/sandbox.h"

#define SB_WORKSPACE_HEAD SB_WORKSPACE "/.git/HEAD"
#define SB_WORKSPACE_CONFIG SB_WORKSPACE "/.git/config"

/* From the bytes of .git/HEAD and .git/config (either may be NULL: not
 * there): *slug "owner/repo" when origin is a GitHub URL, *branch the
 * branch or short hash; each NULL when absent.  Caller frees. */
void sb_workspace_parse(const struct sb_buf *head, const struct sb_buf *cfg,
			char **slug, char **branch);

/* Reads the workspace through rootfd (see sb_rootfs_open).  Returns 0
 * with *slug and *branch as above (both NULL when there is no
 * repository), or -1 (errno set) when it cannot be read safely: a FIFO,
 * a device, a symlinked HEAD or config, a file over the size cap. */
int sb_workspace_read(int rootfd, char **slug, char **branch);

#endif
