/* Reading a sandbox's /workspace/project without entering it: on a local
 * daemon the container's root filesystem is a directory of the storage
 * pool, so libgit2 can open the repository there directly (no exec, no
 * HTTP).  Callers fall back to the Incus file API when this fails. */
#ifndef SB_WORKSPACE_H
#define SB_WORKSPACE_H

/* The host path of a file in the container's root filesystem, when that
 * filesystem can be reached from here (a local daemon, a directory-backed
 * pool such as btrfs, and we are root); NULL otherwise.  incus_dir is the
 * daemon's directory (where its unix.socket lives).  Caller frees. */
char *sb_workspace_rootfs(const char *incus_dir, const char *pool,
			  const char *instance, const char *path);

/* Reads /workspace/project through the rootfs.  Returns 0 when the rootfs
 * was reachable: *slug is "owner/repo" from origin (NULL when there is no
 * repository or origin is not GitHub) and *branch the current branch (the
 * short hash when detached), caller frees both.  Returns -1 when the
 * rootfs cannot be reached from here (then ask the Incus API). */
int sb_workspace_read(const char *incus_dir, const char *pool,
		      const char *instance, char **slug, char **branch);

#endif
