/* Where the Incus (or LXD) daemon is on this host: its socket, found
 * from the environment and the usual paths, and its directory.  Nothing
 * here talks to the daemon. */
#ifndef SB_INCUS_SOCKET_H
#define SB_INCUS_SOCKET_H

struct sb_incus;

/* The daemon's directory when INCUS_DIR is not set: its unix.socket and
 * storage-pools/ are there. */
#define SB_INCUS_DEFAULT_DIR "/var/lib/incus"

/* Finds the socket: $INCUS_SOCKET, $INCUS_DIR/unix.socket,
 * /run/incus/unix.socket, /var/lib/incus/unix.socket, then LXD's
 * $LXD_SOCKET, $LXD_DIR/unix.socket, /var/lib/lxd/unix.socket and the snap
 * path.  Returns the first that exists, or the Incus default when none do
 * (so the "not running" message names the expected path).  Caller frees. */
char *sb_incus_find_socket(void);

/* The daemon's directory (where storage-pools/ is), from its socket's
 * path; caller frees. */
char *sb_incus_dir(const struct sb_incus *c);

#endif
