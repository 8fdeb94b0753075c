/* The user the toolkit works for: under sudo the one who ran sudo
 * (SUDO_USER), never root, and that user's home directory. */
#ifndef SB_INVOKER_H
#define SB_INVOKER_H

#include <pwd.h>

/* SUDO_USER's passwd entry when we are root because of sudo and that
 * user is known and not root; NULL otherwise.  getpwnam's static
 * storage. */
struct passwd *sb_invoker_sudo(void);

/* The home directory of the user the files belong to: SUDO_USER's under
 * sudo (sb_invoker_sudo), else $HOME, else the passwd entry, else "/".
 * Caller frees. */
char *sb_invoker_home(void);

#endif
