/* The invoking user (see invoker.h).  One rule for every lookup: the
 * per-user files (~/.sandbox, ~/.ssh, the ssh config) and the opens done
 * with the user's rights (userfile.c) must agree on whose they are.  A
 * SUDO_USER that is root, unknown or empty is no sudo user: $HOME then,
 * as for anyone else. */
#include "sys/invoker.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct passwd *
sb_invoker_sudo(void)
{
	const char *su = getenv("SUDO_USER");
	struct passwd *pw;

	if (getuid() != 0 || !su || !*su || !(pw = getpwnam(su)) ||
	    pw->pw_uid == 0)
		return NULL;
	return pw;
}

char *
sb_invoker_home(void)
{
	struct passwd *pw = sb_invoker_sudo();
	const char *home = getenv("HOME");

	if (pw && pw->pw_dir)
		return strdup(pw->pw_dir);
	if (home && *home)
		return strdup(home);
	pw = getpwuid(getuid());
	return strdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}
