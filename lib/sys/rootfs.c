#include "sys/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"

/* glibc 2.36 (Debian 12) has no wrapper yet. */
static int
openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	/* Relative to the root either way: RESOLVE_IN_ROOT treats a leading
	 * '/' as the root, but "" would name the root itself. */
	while (*path == '/')
		path++;
	if (!*path) {
		errno = EINVAL;
		return -1;
	}
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

int
sb_rootfs_open_dir(const char *dir)
{
	/* The path up to the rootfs is the host's own (the daemon's
	 * directory and the pool), so an ordinary open is right here. */
	_cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int probe = -1;

	if (fd < 0)
		return -1;
	/* Without openat2 (a kernel before 5.6, or valgrind, which does not
	 * know the call) there is no confined lookup: say the rootfs is not
	 * reachable, so callers use the Incus file API instead. */
	probe = openat2_in_root(fd, ".", O_PATH | O_DIRECTORY);
	if (probe < 0 && errno == ENOSYS)
		return -1; /* the cleanups keep errno */
	return TAKE_FD(fd);
}

int
sb_rootfs_open(const char *incus_dir, const char *pool, const char *instance)
{
	_cleanup_free_ char *root = NULL;

	if (!incus_dir || !pool || !instance) {
		errno = EINVAL;
		return -1;
	}
	if (asprintf(&root, "%s/storage-pools/%s/containers/%s/rootfs",
		     incus_dir, pool, instance) < 0)
		return -1;
	return sb_rootfs_open_dir(root);
}

int
sb_rootfs_read(int rootfd, const char *path, size_t max, struct sb_buf *out)
{
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for
	 * a writer; O_NOCTTY: a tty never becomes ours. */
	_cleanup_close_ int fd = openat2_in_root(rootfd, path,
		O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	struct stat st;
	char chunk[4096];

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	/* A sparse 2 GiB file costs one fstat, not 2 GiB of reads. */
	if ((unsigned long long)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	out->max = max + 1;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		/* It may grow while we read: the cap still holds. */
		if (out->len + (size_t)n > max ||
		    sb_buf_append(out, chunk, (size_t)n) < 0) {
			errno = EFBIG;
			return -1;
		}
	}
	return 0;
}

int
sb_rootfs_has(int rootfd, const char *path)
{
	/* O_PATH opens nothing for I/O: a FIFO or a device answers at
	 * once. */
	_cleanup_close_ int fd = openat2_in_root(rootfd, path, O_PATH);
	struct stat st;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (fstat(fd, &st) < 0)
		return -1;
	return S_ISREG(st.st_mode);
}
