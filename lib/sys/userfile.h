/* Opening the invoking user's own files (~/.ssh/id_*.pub, ~/.sandbox/env,
 * allowlists, --ssh-key, --domains-file) with that user's rights.
 *
 * Under sudo the programs run as root, but these paths are the user's to
 * choose: a symlink ~/.ssh/id_ed25519.pub -> /etc/shadow must not make
 * root read /etc/shadow into a sandbox for someone who could not read it
 * themselves.  So when we are root on behalf of SUDO_USER, the open
 * happens in a forked child that has dropped to that user (uid, gid and
 * their supplementary groups) and hands the descriptor back over a
 * socketpair.  A child rather than setfsuid/setfsgid around the open:
 * the supplementary groups must be the user's too (root's group 0 would
 * still open root:root 0640 files), and setgroups() in a threaded
 * process changes every thread (glibc's setxid broadcast), while a child
 * keeps it to itself.  Without sudo the open is an ordinary one: the
 * kernel already checks the caller's rights.
 *
 * Only regular files are opened (O_NONBLOCK, so a FIFO cannot hang us).
 * Blocks only for the fork and the open. */
#ifndef SB_USERFILE_H
#define SB_USERFILE_H

#include <stddef.h>

#include "core/buf.h"

/* A read-only descriptor of path, or -1 with errno (EACCES when the user
 * may not read it, EINVAL when it is not a regular file). */
int sb_userfile_open(const char *path);

/* As sb_buf_read_file (at most max bytes, -1 with errno, EFBIG past
 * max), with the user's rights. */
int sb_userfile_read(const char *path, size_t max, struct sb_buf *b);

#endif
