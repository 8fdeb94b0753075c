/* Snapshot sizes from `btrfs filesystem du` (see snapsize.h). */
#include "ops/snapsize.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "sys/host.h"

void
sb_snapshot_sizes_parse(const char *out, struct sb_snap *v, size_t n)
{
	for (const char *p = out; p && *p;) {
		size_t len = strcspn(p, "\n");
		char line[4096], *path = NULL;
		long long total, excl, shared;
		int used = 0;

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			/* "TOTAL EXCLUSIVE SET-SHARED PATH"; the header line
			 * and anything else has no numbers and is skipped. */
			if (sscanf(line, " %lld %lld %lld %n", &total, &excl,
				   &shared, &used) == 3 && used > 0 &&
			    excl >= 0)
				path = line + used;
		}
		if (path && *path) {
			const char *base = strrchr(path, '/');

			base = base ? base + 1 : path;
			for (size_t i = 0; i < n; i++)
				if (v[i].size < 0 && v[i].name &&
				    strcmp(v[i].name, base) == 0)
					v[i].size = excl;
		}
		p += len + (p[len] == '\n');
	}
}

/* Runs argv with stdout into out, for at most secs seconds (killed
 * after that).  Returns the exit status, or -1. */
static int
run_bounded(char *const *argv, struct sb_buf *out, int secs)
{
	double deadline = sb_host_now() + secs;
	int fds[2], status = -1;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 ||
		    dup2(fds[1], STDOUT_FILENO) < 0 ||
		    dup2(nul, STDERR_FILENO) < 0)
			_exit(126);
		closefrom(3);
		execvpe(argv[0], argv, sb_host_min_env());
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int left = (int)((deadline - sb_host_now()) * 1000);
		char tmp[4096];
		ssize_t r;

		if (left <= 0 || poll(&p, 1, left) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		r = read(fds[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || sb_buf_append(out, tmp, (size_t)r) < 0)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
sb_snapshot_sizes(const char *incus_dir, const char *pool,
		  const char *instance, struct sb_snap *v, size_t n)
{
	char **argv, **paths;
	size_t k = 0, m = 0;
	struct sb_buf out = { .max = 1 << 20 };

	for (size_t i = 0; i < n; i++)
		k += v[i].size < 0;
	if (!k || !incus_dir || !pool || !instance)
		return;
	argv = calloc(k + 6, sizeof(*argv));
	paths = calloc(k, sizeof(*paths));
	if (!argv || !paths)
		goto out;
	argv[0] = "btrfs";
	argv[1] = "filesystem";
	argv[2] = "du";
	argv[3] = "-s";
	argv[4] = "--raw";
	for (size_t i = 0; i < n; i++) {
		if (v[i].size >= 0)
			continue;
		if (asprintf(&paths[m], "%s/storage-pools/%s/"
			     "containers-snapshots/%s/%s", incus_dir, pool,
			     instance, v[i].name) < 0) {
			paths[m] = NULL;
			goto out;
		}
		argv[5 + m] = paths[m];
		m++;
	}
	/* A snapshot it cannot read makes btrfs exit non-zero after
	 * printing the others: take what it printed either way. */
	run_bounded(argv, &out, SB_SNAPSIZE_SECONDS);
	if (out.data && !out.overflow)
		sb_snapshot_sizes_parse(out.data, v, n);
out:
	for (size_t i = 0; paths && i < m; i++)
		free(paths[i]);
	free(paths);
	free(argv);
	sb_buf_release(&out);
}
