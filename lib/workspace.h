/* Reading a sandbox's /workspace/project without entering it: on a local
 * daemon the container's root filesystem is a directory of the storage
 * pool, so libgit2 can open the repository there directly (no exec, no
 * HTTP).  Callers fall back to the Incus file API when this fails. */
#ifndef SB_WORKSPACE_H
#define SB_WORKSPACE_H

/* incus_dir is the daemon's directory (where its unix.socket lives).
 * On success *slug is "owner/repo" from origin (NULL when origin is not
 * GitHub) and *branch the current branch (the short hash when detached);
 * caller frees both.  Returns -1 when the rootfs or the repository cannot
 * be read from here. */
int sb_workspace_read(const char *incus_dir, const char *pool,
		      const char *instance, char **slug, char **branch);

#endif
