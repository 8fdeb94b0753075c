/* Reading a container's files from the host without trusting them.
 *
 * The container's root filesystem is a directory of the storage pool, and
 * its owner is hostile (DESIGN.md, "Trust: the container is hostile"): any
 * path in it may be a symlink to a host file, a FIFO that blocks the
 * reader forever, a device, or a sparse file of any size.  So every lookup
 * here is resolved by the kernel inside that directory (openat2 with
 * RESOLVE_IN_ROOT: ".." and absolute symlinks stay in the rootfs;
 * RESOLVE_NO_MAGICLINKS: no /proc/PID/fd escapes), opened O_NONBLOCK and
 * O_NOFOLLOW, and only regular files of a bounded size are read.
 *
 * Nothing here blocks on the daemon or on a peer.  Thread-safe. */
#ifndef SB_ROOTFS_H
#define SB_ROOTFS_H

#include <stddef.h>

#include "core/buf.h"

/* An O_PATH descriptor of a container's rootfs, found under the daemon's
 * directory (incus_dir: where its unix.socket lives) in the storage pool,
 * or -1 (errno set) when it cannot be reached from here: a remote daemon,
 * a pool that is not a directory, not root.  Caller closes. */
int sb_rootfs_open(const char *incus_dir, const char *pool,
		   const char *instance);
/* The same, for any directory taken as the root (tests, and the pool
 * layouts above).  ENOSYS when the kernel has no openat2: then nothing
 * here can confine a lookup, and the caller must not read the rootfs. */
int sb_rootfs_open_dir(const char *dir);

/* Reads the regular file at path (inside the rootfs; absolute or
 * relative, resolved in it) into out.  Refuses, with errno: ENOENT
 * missing; ELOOP the last component is a symlink; EXDEV/ELOOP resolution
 * tried to leave the root or use a magic link; EINVAL not a regular file
 * (FIFO, device, directory, socket); EFBIG larger than max.  Returns 0 or
 * -1. */
int sb_rootfs_read(int rootfd, const char *path, size_t max,
		   struct sb_buf *out);

/* Whether path names a regular file in the rootfs (symlinks followed,
 * inside it): 1 yes, 0 no (missing, or not a regular file), -1 when that
 * cannot be told (errno set).  Never opens the file for reading, so a
 * FIFO cannot block it. */
int sb_rootfs_has(int rootfd, const char *path);

#endif
