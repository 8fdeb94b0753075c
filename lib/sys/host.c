#include "sys/host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"

static struct passwd *
invoking_user(void)
{
	const char *su = getenv("SUDO_USER");
	struct passwd *pw = NULL;

	if (su && *su && getuid() == 0)
		pw = getpwnam(su);
	if (!pw)
		pw = getpwuid(getuid());
	return pw;
}

char *
sb_host_user_home(void)
{
	struct passwd *pw;
	const char *home = getenv("HOME");

	if (getenv("SUDO_USER") && getuid() == 0) {
		pw = invoking_user();
		if (pw && pw->pw_dir)
			return strdup(pw->pw_dir);
	}
	if (home && *home)
		return strdup(home);
	pw = invoking_user();
	return strdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

const char *
sb_host_datadir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("SANDBOX_DATADIR");
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
sb_host_mkdirs(const char *dir, mode_t mode, struct sb_error **err)
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

int
sb_host_read_file(const char *path, size_t max, struct sb_buf *out,
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
sb_host_write_file(const char *path, const void *data, size_t len,
		   mode_t mode, struct sb_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int fd;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return sb_error_sys(err, "creating %s", tmp);
	if (fchmod(fd, mode) < 0 ||
	    (len && write(fd, data, len) != (ssize_t)len) || fsync(fd) < 0) {
		sb_error_sys(err, "writing %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		sb_error_sys(err, "renaming %s", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
sb_host_lock(const char *name, struct sb_error **err)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (sb_host_mkdirs(SB_RUN_DIR, 0755, err) < 0)
		return -1;
	if (asprintf(&path, SB_RUN_DIR "/%s.lock", name) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return sb_error_sys(err, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			sb_error_sys(err, "locking %s", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

void
sb_host_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

double
sb_host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t got_signal, armed;

static void
on_signal(int sig)
{
	got_signal = sig;
}

void
sb_host_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
sb_host_arm_interrupt(int on)
{
	armed = on;
}

int
sb_host_interrupted(void)
{
	return armed && got_signal;
}

int
sb_host_check_interrupt(struct sb_error **err)
{
	if (!sb_host_interrupted())
		return 0;
	return sb_error_set(err, SB_E_INTERRUPTED, "interrupted by signal %d",
			    (int)got_signal);
}

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot. */
static unsigned long long
start_time(long pid)
{
	char path[64], buf[1024];
	FILE *f;
	size_t n;
	char *p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces; fields count from its ')'. */
	if (!(p = strrchr(buf, ')')))
		return 0;
	p++;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

char *
sb_host_process_token(void)
{
	char *s;

	if (asprintf(&s, "%ld:%llu", (long)getpid(),
		     start_time((long)getpid())) < 0)
		return NULL;
	return s;
}

int
sb_host_token_alive(const char *token)
{
	long pid;
	unsigned long long t;

	if (!token || sscanf(token, "%ld:%llu", &pid, &t) != 2 || pid <= 0)
		return 0;
	return start_time(pid) == t && t != 0;
}
