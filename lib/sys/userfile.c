#include "sys/userfile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "sys/spawn.h"
#include "sys/invoker.h"

#define MAX_GROUPS 256

/* The user sudo ran us for (sb_invoker_sudo), with their groups; 0 when
 * there is none. */
static int
sudo_user(uid_t *uid, gid_t *gid, gid_t *groups, int *ngroups)
{
	struct passwd *pw = sb_invoker_sudo();

	if (!pw)
		return 0;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	/* Done before fork: getgrouplist is not async-signal-safe. */
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, ngroups) < 0)
		*ngroups = 0; /* more than MAX_GROUPS: only the primary */
	return 1;
}

static int
plain_open(const char *path)
{
	return open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

struct opener {
	int sock;
	const char *path;
};

/* The child's half, already the user: open, send the descriptor or the
 * errno. */
static int
child(void *arg)
{
	const struct opener *o = arg;
	int fd, e = 0;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &e, sizeof(e) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	fd = plain_open(o->path);
	if (fd < 0) {
		e = errno;
	} else {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(o->sock, &m, 0) < 0 ? 1 : 0;
}

static int
open_as(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
	int ngroups)
{
	int sv[2], e = EPERM, fd = -1;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &e, sizeof(e) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct opener o = { .path = path };
	/* A failed drop exits before the open: the parent sees no reply,
	 * EPERM. */
	struct sb_spawn s = {
		.fn = child,
		.arg = &o,
		.drop = 1,
		.uid = uid,
		.gid = gid,
		.groups = ngroups > 0 ? groups : &gid,
		.ngroups = (size_t)(ngroups > 0 ? ngroups : 1),
	};
	_cleanup_error_ struct sb_error *err = NULL;
	struct cmsghdr *c;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	o.sock = sv[1];
	if (sb_spawn_start(&s, &err) < 0) {
		close(sv[0]);
		close(sv[1]);
		errno = err ? err->sys_errno : EAGAIN;
		return -1;
	}
	close(sv[1]);
	do
		n = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(sv[0]);
	sb_spawn_reap(s.pid, NULL);
	c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0) {
		errno = n > 0 && e ? e : EPERM;
		return -1;
	}
	return fd;
}

int
sb_userfile_open(const char *path)
{
	gid_t groups[MAX_GROUPS];
	int ngroups = MAX_GROUPS;
	uid_t uid;
	gid_t gid;
	struct stat st;
	_cleanup_close_ int fd = -1;

	fd = sudo_user(&uid, &gid, groups, &ngroups) ?
	     open_as(path, uid, gid, groups, ngroups) : plain_open(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errno = EINVAL; /* kept by the cleanup's close */
		return -1;
	}
	return TAKE_FD(fd);
}

int
sb_userfile_read(const char *path, size_t max, struct sb_buf *b)
{
	_cleanup_close_ int fd = sb_userfile_open(path);
	char chunk[8192];
	ssize_t n;

	if (fd < 0)
		return -1;
	b->max = max;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (sb_buf_append(b, chunk, (size_t)n) < 0) {
			errno = b->overflow ? EFBIG : ENOMEM;
			return -1;
		}
	}
	return 0;
}
