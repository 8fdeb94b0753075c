/* Whole files (see fileio.h). */
#include "sys/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"

int
sb_fileio_read(const char *path, size_t max, struct sb_buf *out,
	       struct sb_error **err)
{
	if (sb_buf_read_file(path, max, out) < 0) {
		if (errno == ENOENT)
			return sb_error_set(err, SB_E_NOTFOUND,
					    "%s does not exist", path);
		if (errno == EFBIG)
			return sb_error_set(err, SB_E_INPUT,
					    "%s is larger than %zu bytes", path,
					    max);
		return sb_error_sys(err, "reading %s", path);
	}
	if (!out->data)
		sb_buf_append(out, "", 0);
	return 0;
}

int
sb_fileio_write(const char *path, const void *data, size_t len, mode_t mode,
		struct sb_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return sb_error_sys(err, "creating %s", tmp);
	if (fchmod(fd, mode) < 0 ||
	    (len && write(fd, data, len) != (ssize_t)len) || fsync(fd) < 0) {
		sb_error_sys(err, "writing %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		sb_error_sys(err, "renaming %s", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}
