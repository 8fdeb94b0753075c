/* The toolkit's directories (see paths.h). */
#include "sys/paths.h"
#include "sys/knobs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
sb_paths_datadir(void)
{
	static char dir[PATH_MAX];
	const char *env = sb_knobs_get()->datadir;
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		/* bin/prog in a source tree: the tree holds stacks/. */
		for (int up = 0; up < 2 && (slash = strrchr(exe, '/')); up++)
			*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/stacks/base.sh", exe);
		if (access(probe, R_OK) == 0) {
			snprintf(dir, sizeof(dir), "%s", exe);
			return dir;
		}
	}
	snprintf(dir, sizeof(dir), "%s", SB_DATADIR);
	return dir;
}

int
sb_paths_mkdirs(const char *dir, mode_t mode, struct sb_error **err)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return sb_error_set(err, SB_E_INPUT, "path too long: %s", dir);
	memcpy(p, dir, n + 1);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return sb_error_sys(err, "creating %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return sb_error_sys(err, "creating %s", p);
	return 0;
}
