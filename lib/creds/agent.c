/* Per-sandbox ssh-agent on the host: its paths, starting it and ending
 * it (keys go in through agent_keys.c).
 *
 * ssh-agent is started in its usual daemonising form (`ssh-agent -s -a
 * SOCK`): it binds the socket before forking, so the socket exists when
 * the parent exits, and it prints SSH_AGENT_PID, which we keep. */
#include "creds/agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/knobs.h"
#include "sys/paths.h"
#include "sys/spawn.h"
#include "model/sandbox.h"

const char *
sb_agent_dir(void)
{
	const char *d = sb_knobs_get()->agent_dir;

	return d && *d == '/' ? d : SB_AGENT_DIR;
}

static char *
agent_path(const char *name, const char *suffix)
{
	char *s;

	if (sb_name_check(name, SB_IGNORE) < 0)
		return NULL;
	if (asprintf(&s, "%s/%s.%s", sb_agent_dir(), name, suffix) < 0)
		return NULL;
	return s;
}

char *
sb_agent_socket(const char *name)
{
	return agent_path(name, "sock");
}

/* DIR/NAME.d/agent.sock: where the agent itself binds, in a directory of
 * the agent's uid that only it and root can enter. */
static char *
bound_path(const char *name)
{
	return agent_path(name, "d/agent.sock");
}

char *
sb_agent_share_dir(const char *name)
{
	_cleanup_free_ char *parent = strdup(sb_agent_dir());
	char *slash = parent ? strrchr(parent, '/') : NULL, *s;

	if (!slash || sb_name_check(name, SB_IGNORE) < 0)
		return NULL;
	*slash = '\0';
	if (asprintf(&s, "%s/share/%s", *parent ? parent : "", name) < 0)
		return NULL;
	return s;
}

/* SHARE/NAME/agent.sock, the name the container sees. */
static char *
shared_path(const char *name)
{
	_cleanup_free_ char *d = sb_agent_share_dir(name);
	char *s;

	if (!d || asprintf(&s, "%s/" SB_AGENT_SOCK_NAME, d) < 0)
		return NULL;
	return s;
}

int
sb_agent_share_prepare(const char *name, struct sb_error **err)
{
	_cleanup_free_ char *d = sb_agent_share_dir(name);
	struct stat st;

	if (!d)
		return sb_error_set(err, SB_E_INPUT, "bad sandbox name '%s'",
				    name);
	if (sb_paths_mkdirs(d, 0755, err) < 0)
		return -1;
	/* Root's, and nobody else may write in it: what the container
	 * connects to must be the agent's socket and nothing it planted. */
	if (lstat(d, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022))
		return sb_error_set(err, SB_E_PERM, "%s is not a directory of "
				    "root's that only root can write; remove "
				    "it and retry", d);
	return 0;
}

void
sb_agent_share_remove(const char *name)
{
	_cleanup_free_ char *d = sb_agent_share_dir(name);
	_cleanup_free_ char *sock = shared_path(name);

	if (sock)
		unlink(sock);
	if (d)
		rmdir(d);
}

/* Makes DIR (and its parent) and insists it is a real directory of ours
 * that nobody else can list or write: others may only pass through it to
 * the agent's own NAME.d (the agent runs as the container's uid 1000,
 * mapped), and each socket in it is 0600. */
static int
ensure_dir(struct sb_error **err)
{
	const char *d = sb_agent_dir();
	_cleanup_free_ char *parent = strdup(d);
	char *slash;
	struct stat st;

	if (!parent)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return sb_error_sys(err, "creating %s", parent);
	}
	if (mkdir(d, 0711) < 0 && errno != EEXIST)
		return sb_error_sys(err, "creating %s", d);
	if (lstat(d, &st) < 0)
		return sb_error_sys(err, "checking %s", d);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return sb_error_set(err, SB_E_PERM, "%s is not a directory "
				    "owned by uid %u; remove it and retry", d,
				    (unsigned)geteuid());
	if ((st.st_mode & 07777) != 0711 && chmod(d, 0711) < 0)
		return sb_error_sys(err, "making %s private", d);
	return 0;
}

/* Reads /proc/PID/cmdline and checks that it is an ssh-agent bound to
 * sock, so a recycled pid is never signalled. */
static int
is_our_agent(pid_t pid, const char *sock)
{
	char path[64], buf[4096];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	const char *p, *end;
	int agent = 0, bound = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p += strlen(p) + 1) {
		const char *base = strrchr(p, '/');

		if (p == buf)
			agent = strcmp(base ? base + 1 : p, "ssh-agent") == 0;
		else if (strcmp(p, sock) == 0)
			bound = 1;
	}
	return agent && bound;
}

static pid_t
read_pid(const char *pidfile)
{
	char buf[32];
	_cleanup_close_ int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	long v;
	char *e;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, &e, 10);
	if (v <= 1 || (*e && *e != '\n'))
		return -1;
	return (pid_t)v;
}

/* Without a pid file (removed by hand, or an older run), look for the
 * agent among all processes: /proc is a few hundred entries. */
static pid_t
scan_for_agent(const char *sock)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (*end || v <= 1)
			continue;
		if (is_our_agent((pid_t)v, sock))
			found = (pid_t)v;
	}
	closedir(d);
	return found;
}

static void
kill_agent(pid_t pid, const char *sock)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (pid <= 1 || !is_our_agent(pid, sock))
		return;
	kill(pid, SIGTERM);
	/* Not our child (it daemonised), so poll for it to go; ssh-agent
	 * exits at once on SIGTERM. */
	for (int i = 0; i < 100; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return;
		if (!is_our_agent(pid, sock))
			return;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
}

void
sb_agent_stop(const char *name)
{
	_cleanup_free_ char *sock = agent_path(name, "sock");
	_cleanup_free_ char *pidfile = agent_path(name, "pid");
	_cleanup_free_ char *bound = bound_path(name);
	_cleanup_free_ char *dir = agent_path(name, "d");
	_cleanup_free_ char *shared = shared_path(name);

	if (!sock || !pidfile || !bound || !dir)
		return;
	kill_agent(read_pid(pidfile), bound);
	kill_agent(scan_for_agent(bound), bound);
	/* Agents of an older version were bound to DIR/NAME.sock. */
	kill_agent(scan_for_agent(sock), sock);
	unlink(sock);
	unlink(pidfile);
	unlink(bound);
	rmdir(dir);
	if (shared)
		unlink(shared);
}

static int
write_pidfile(const char *pidfile, pid_t pid, struct sb_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	char buf[32];
	int n;

	if (asprintf(&tmp, "%s.tmp", pidfile) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sb_error_sys(err, "writing %s", tmp);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(fd, buf, (size_t)n) != n || fsync(fd) < 0) {
		unlink(tmp);
		return sb_error_sys(err, "writing %s", tmp);
	}
	if (rename(tmp, pidfile) < 0) {
		unlink(tmp);
		return sb_error_sys(err, "writing %s", pidfile);
	}
	return 0;
}

/* DIR/NAME.d, owned by the agent's uid, 0700; made anew. */
static int
private_dir(const char *dir, uid_t uid, gid_t gid, struct sb_error **err)
{
	_cleanup_close_ int fd = -1;

	if (mkdir(dir, 0700) < 0)
		return sb_error_sys(err, "creating %s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0))
		return sb_error_sys(err, "handing %s to uid %u", dir,
				    (unsigned)uid);
	return 0;
}

/* Runs `ssh-agent -s -P '!*' -a bound` as uid/gid (or as we are, with -1)
 * with the minimal environment, its stdout into out.  Returns its exit
 * status (127: not there to run), or -1. */
static int
run_agent(const char *bound, uid_t uid, gid_t gid, struct sb_buf *out,
	  struct sb_error **err)
{
	/* -P with a pattern that matches nothing: no PKCS#11 or
	 * security-key provider can be loaded into the agent by whoever
	 * reaches its socket (the sandbox does). */
	const char *argv[] = {
		"ssh-agent", "-s", "-P", "!*", "-a", bound, NULL
	};
	/* The agent outlives us: it must not hold our caller's descriptors
	 * (a test runner's pipe, a terminal), which spawn sees to. */
	struct sb_spawn s = {
		.argv = argv,
		.envp = sb_spawn_min_env(),
		.in = { .how = SB_SPAWN_NULL },
		.out = { .how = SB_SPAWN_CAPTURE, .buf = out },
		.err = { .how = SB_SPAWN_NULL },
		.drop = uid != (uid_t)-1,
		.uid = uid,
		.gid = gid,
	};
	_cleanup_error_ struct sb_error *e = NULL;
	int st = sb_spawn_run(&s, &e);

	if (st >= 0 || s.exec_errno)
		return st >= 0 ? st : 127;
	if (s.pid > 0 || !e)
		return sb_error_pass(err, &e);
	errno = e->sys_errno;
	return sb_error_sys(err, "running ssh-agent");
}

int
sb_agent_start(const char *name, uid_t uid, gid_t gid, struct sb_error **err)
{
	_cleanup_free_ char *sock = agent_path(name, "sock");
	_cleanup_free_ char *pidfile = agent_path(name, "pid");
	_cleanup_free_ char *bound = bound_path(name);
	_cleanup_free_ char *dir = agent_path(name, "d");
	_cleanup_free_ char *shared = shared_path(name);
	_cleanup_buf_ struct sb_buf out = { .max = 4096 };
	int st;
	pid_t agent = -1;
	const char *p;

	if (!sock || !pidfile || !bound || !dir || !shared)
		return sb_error_set(err, SB_E_INPUT, "bad sandbox name '%s'",
				    name);
	if (strlen(bound) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return sb_error_set(err, SB_E_INPUT, "agent socket path %s "
				    "is too long for a unix socket", bound);
	if (ensure_dir(err) < 0)
		return -1;
	sb_agent_stop(name);
	if (private_dir(dir, uid, gid, err) < 0)
		return -1;
	st = run_agent(bound, uid, gid, &out, err);
	if (st < 0)
		return -1;
	p = out.data ? strstr(out.data, "SSH_AGENT_PID=") : NULL;
	if (p)
		agent = (pid_t)strtol(p + 14, NULL, 10);
	if (st != 0 || agent <= 1) {
		rmdir(dir);
		return sb_error_set(err, SB_E_FAIL, "ssh-agent did not start "
				    "on %s (exit status %d%s)", bound, st,
				    st == 127 ? ": is OpenSSH's client "
				    "installed?" : "");
	}
	/* Two more names for the same socket: DIR/NAME.sock for the host
	 * side, and one in the directory shared (read-only) with the
	 * container. */
	if (write_pidfile(pidfile, agent, err) < 0 ||
	    (link(bound, sock) < 0 && sb_error_sys(err, "linking %s", sock)) ||
	    (access(shared, F_OK) == 0 && unlink(shared) < 0 &&
	     sb_error_sys(err, "replacing %s", shared)) ||
	    (link(bound, shared) < 0 && errno != ENOENT &&
	     sb_error_sys(err, "linking %s", shared))) {
		sb_agent_stop(name);
		return -1;
	}
	return 0;
}
