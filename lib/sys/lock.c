/* Locks (see lock.h): flock, so a lock dies with its holder. */
#include "sys/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "sys/paths.h"

int
sb_lock_take(const char *name, struct sb_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;

	if (sb_paths_mkdirs(SB_RUN_DIR, 0755, err) < 0)
		return -1;
	if (asprintf(&path, SB_RUN_DIR "/%s.lock", name) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return sb_error_sys(err, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return sb_error_sys(err, "locking %s", path);
	}
	return TAKE_FD(fd);
}

void
sb_lock_release(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}
