/* Child processes (see spawn.h).  The only file that forks, execs or
 * waits (tests/lint/spawn-only), so every child is set up one way: its
 * stdio wired, its credentials dropped, and every descriptor not asked
 * for closed at exec. */
#include "sys/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "sys/clock.h"

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Marks every descriptor above 2 close-on-exec but those kept.  A
 * kernel without close_range (before 5.11) gets a walk up to the
 * descriptor limit. */
static void
cloexec_rest(const struct sb_spawn *s)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		struct rlimit rl;
		long top = 65536;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < top)
			top = (long)rl.rlim_cur;
		for (int fd = 3; fd < top; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	for (size_t i = 0; i < s->nkeep; i++)
		fcntl(s->keep[i], F_SETFD, 0);
}

/* The descriptor the child's fd `to` becomes; -1: left as it is. */
static int
source(const struct sb_spawn_io *io, int child_end, int *devnull)
{
	switch (io->how) {
	case SB_SPAWN_NULL:
		if (*devnull < 0)
			*devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		return *devnull;
	case SB_SPAWN_FD: return io->fd;
	case SB_SPAWN_DATA:
	case SB_SPAWN_CAPTURE: return child_end;
	default: return -1;
	}
}

/* The child's half: only async-signal-safe calls until the exec (we may
 * have threads).  Exit 126: it could not be set up; 127: not executed,
 * the errno written to errfd. */
static void __attribute__((noreturn))
child(const struct sb_spawn *s, const int ends[3], int errfd)
{
	const struct sb_spawn_io *io[3] = { &s->in, &s->out, &s->err };
	int devnull = -1, e;

	if (s->new_session)
		setsid();
	for (int i = 0; i < 3; i++) {
		int from = source(io[i], ends[i], &devnull);

		if (io[i]->how == SB_SPAWN_INHERIT)
			continue;
		if (from < 0 || dup2(from, i) < 0)
			_exit(126);
	}
	if (s->drop && (setgroups(s->ngroups, s->groups) < 0 ||
			setresgid(s->gid, s->gid, s->gid) < 0 ||
			setresuid(s->uid, s->uid, s->uid) < 0 ||
			(s->uid != 0 && setuid(0) == 0)))
		_exit(126);
	cloexec_rest(s);
	if (s->fn)
		_exit(s->fn(s->arg));
	execvpe(s->file ? s->file : s->argv[0], (char *const *)s->argv,
		s->envp);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Our ends of the pipes the streams need, and the child's ends. */
static int
make_pipes(struct sb_spawn *s, int ends[3], struct sb_error **err)
{
	struct sb_spawn_io *io[3] = { &s->in, &s->out, &s->err };

	for (int i = 0; i < 3; i++) {
		int p[2];

		if (io[i]->how != SB_SPAWN_DATA &&
		    io[i]->how != SB_SPAWN_CAPTURE)
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			return sb_error_sys(err, "pipe");
		io[i]->pipe = i == 0 ? p[1] : p[0];
		ends[i] = i == 0 ? p[0] : p[1];
	}
	/* Our write end never blocks, so a child that does not read its
	 * stdin cannot stop us reading its output. */
	if (s->in.pipe >= 0)
		fcntl(s->in.pipe, F_SETFL, O_NONBLOCK);
	return 0;
}

/* After the fork: the errno the exec failed with, or 0 once it ran. */
static int
exec_result(int fd)
{
	int e = 0;
	ssize_t n;

	do
		n = read(fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

int
sb_spawn_start(struct sb_spawn *s, struct sb_error **err)
{
	int ends[3] = { -1, -1, -1 }, ep[2] = { -1, -1 };

	s->pid = -1;
	s->exec_errno = s->timed_out = 0;
	s->in.pipe = s->out.pipe = s->err.pipe = -1;
	if (make_pipes(s, ends, err) < 0 ||
	    (!s->fn && pipe2(ep, O_CLOEXEC) < 0 && sb_error_sys(err, "pipe")))
		goto fail;
	if (s->fn)
		fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		sb_error_sys(err, "fork");
		goto fail;
	}
	if (s->pid == 0)
		child(s, ends, ep[1]);
	for (int i = 0; i < 3; i++)
		close_fd(&ends[i]);
	close_fd(&ep[1]);
	if (ep[0] >= 0 && (s->exec_errno = exec_result(ep[0]))) {
		sb_spawn_reap(s->pid, NULL);
		s->pid = -1;
		errno = s->exec_errno;
		sb_error_sys(err, "running %s", s->argv[0]);
		goto fail;
	}
	close_fd(&ep[0]);
	if (s->in.how == SB_SPAWN_DATA && (!s->in.data || !s->in.len))
		close_fd(&s->in.pipe);
	return 0;
fail:
	for (int i = 0; i < 3; i++)
		close_fd(&ends[i]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	close_fd(&s->in.pipe);
	close_fd(&s->out.pipe);
	close_fd(&s->err.pipe);
	return -1;
}

static void
feed(struct sb_spawn_io *in, size_t *off)
{
	ssize_t n = write(in->pipe, (const char *)in->data + *off,
			  in->len - *off);

	if (n > 0)
		*off += (size_t)n;
	else if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0 || *off == in->len)
		close_fd(&in->pipe);
}

static void
drain(struct sb_spawn_io *io, char *chunk, size_t size)
{
	ssize_t n = read(io->pipe, chunk, size);

	if (n < 0 && errno == EINTR)
		return;
	if (n > 0) {
		if (io->buf)
			sb_buf_append(io->buf, chunk, (size_t)n);
	} else {
		close_fd(&io->pipe);
	}
}

/* Whether the child has ended, leaving it to be reaped. */
static int
ended(pid_t pid, int pidfd, short revents)
{
	siginfo_t si = { 0 };

	if (pidfd >= 0)
		return revents != 0;
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
	       si.si_pid == pid;
}

/* Pumps stdin and both outputs together so no pipe fills and stalls;
 * with a time limit, until the child ends too (its pidfd, or a look every
 * 20 ms where there is none, as under valgrind).  Returns 0, or -1 when
 * the time limit passed. */
static int
pump(struct sb_spawn *s)
{
	double deadline = sb_clock_now() + s->timeout_ms / 1000.0;
	struct sb_spawn_io *io[3] = { &s->in, &s->out, &s->err };
	int watch = s->timeout_ms > 0;
	int pidfd = watch ? pidfd_open(s->pid, 0) : -1;
	char chunk[16384];
	size_t off = 0;
	int r = 0;

	while (s->in.pipe >= 0 || s->out.pipe >= 0 || s->err.pipe >= 0 ||
	       watch) {
		struct pollfd p[4];
		int left = -1, n;

		for (int i = 0; i < 3; i++)
			p[i] = (struct pollfd){ .fd = io[i]->pipe,
						.events = i ? POLLIN :
							      POLLOUT };
		p[3] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (s->timeout_ms > 0) {
			left = (int)((deadline - sb_clock_now()) * 1000);
			left = left < 0 ? 0 : left;
			if (watch && pidfd < 0 && left > 20)
				left = 20;
		}
		n = poll(p, 4, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && sb_clock_now() >= deadline)) {
			r = n == 0 ? -1 : 0;
			break;
		}
		if (s->in.pipe >= 0 && p[0].revents)
			feed(&s->in, &off);
		for (int i = 1; i < 3; i++)
			if (io[i]->pipe >= 0 && p[i].revents)
				drain(io[i], chunk, sizeof(chunk));
		if (watch && ended(s->pid, pidfd, p[3].revents))
			watch = 0;
	}
	/* What went by may have been a secret (gh auth token). */
	explicit_bzero(chunk, sizeof(chunk));
	close_fd(&pidfd);
	for (int i = 0; i < 3; i++)
		close_fd(&io[i]->pipe);
	return r;
}

int
sb_spawn_reap(pid_t pid, pid_t *reaped)
{
	int status;
	pid_t got;

	while ((got = waitpid(pid, &status, 0)) < 0)
		if (errno != EINTR)
			return -1;
	if (reaped)
		*reaped = got;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
sb_spawn_wait(struct sb_spawn *s, struct sb_error **err)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	const char *name = s->argv ? s->argv[0] : "a child process";
	int late, st;

	/* A child that exits before reading all its stdin must cost us an
	 * EPIPE, not the process. */
	sigaction(SIGPIPE, &ign, &old);
	late = pump(s);
	sigaction(SIGPIPE, &old, NULL);
	if (late < 0) {
		s->timed_out = 1;
		kill(s->pid, SIGKILL);
	}
	st = sb_spawn_reap(s->pid, NULL);
	if (st < 0)
		return sb_error_sys(err, "waiting for %s", name);
	s->pid = -1;
	if (late < 0)
		return sb_error_set(err, SB_E_FAIL,
				    "%s did not finish within "
				    "%d ms",
				    name, s->timeout_ms);
	return st;
}

int
sb_spawn_run(struct sb_spawn *s, struct sb_error **err)
{
	if (sb_spawn_start(s, err) < 0)
		return -1;
	return sb_spawn_wait(s, err);
}

int
sb_spawn_cmd(const char *const *argv, const void *stdin_data, size_t stdin_len,
	     struct sb_buf *out, struct sb_buf *errout, struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	struct sb_spawn s = {
		.argv = argv,
		.envp = environ,
		.in = { .how = SB_SPAWN_DATA,
			.data = stdin_data,
			.len = stdin_len },
		.out = { .how = out ? SB_SPAWN_CAPTURE : SB_SPAWN_NULL,
			 .buf = out },
		.err = { .how = errout ? SB_SPAWN_CAPTURE : SB_SPAWN_INHERIT,
			 .buf = errout },
	};
	int r = sb_spawn_run(&s, &e);

	if (r < 0 && s.exec_errno)
		r = 127;
	else if (r < 0)
		return sb_error_pass(err, &e);
	if (r == 127 && errout && !errout->len)
		sb_buf_appendf(errout, "%s: command not found", argv[0]);
	return r;
}

char *const *
sb_spawn_min_env(void)
{
	static char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		"/sbin:/bin",
		"LC_ALL=C",
		NULL,
	};

	return env;
}
