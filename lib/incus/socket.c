/* Where the Incus (or LXD) daemon is on this host: the first socket of
 * the usual places that exists, and the directory beside it. */
#include "incus/socket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "incus/incus.h"
#include "sys/knobs.h"

static char *
env_join(const char *v, const char *leaf)
{
	char *s = NULL;

	if (!v || !*v)
		return NULL;
	if (!leaf)
		return strdup(v);
	if (asprintf(&s, "%s/%s", v, leaf) < 0)
		return NULL;
	return s;
}

char *
sb_incus_find_socket(void)
{
	static const char *const fixed[] = {
		"/run/incus/unix.socket",
		SB_INCUS_DEFAULT_DIR "/unix.socket",
		NULL, /* LXD's environment goes here */
		"/var/lib/lxd/unix.socket",
		"/var/snap/lxd/common/lxd/unix.socket",
	};
	const struct sb_knobs *k = sb_knobs_get();
	char *s;
	struct stat st;

	/* An explicit override is taken as given, existing or not. */
	if ((s = env_join(k->incus_socket, NULL)))
		return s;
	if ((s = env_join(k->incus_dir, "unix.socket")))
		return s;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!fixed[i]) {
			if ((s = env_join(k->lxd_socket, NULL)))
				return s;
			if ((s = env_join(k->lxd_dir, "unix.socket")))
				return s;
			continue;
		}
		if (stat(fixed[i], &st) == 0 && S_ISSOCK(st.st_mode))
			return strdup(fixed[i]);
	}
	return strdup(SB_INCUS_DEFAULT_DIR "/unix.socket");
}

char *
sb_incus_dir(const struct sb_incus *c)
{
	const char *sock = sb_incus_socket(c);
	const char *slash = sock ? strrchr(sock, '/') : NULL;

	if (!slash || strncmp(sock, "/run/", 5) == 0)
		return strdup(SB_INCUS_DEFAULT_DIR);
	return strndup(sock, (size_t)(slash - sock));
}
