/* Snapshot sizes from `btrfs filesystem du` (see snapsize.h). */
#include "ops/snapsize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sys/spawn.h"

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
	struct sb_spawn s = {
		.argv = (const char *const *)argv,
		.envp = sb_spawn_min_env(),
		.in = { .how = SB_SPAWN_NULL },
		.out = { .how = SB_SPAWN_CAPTURE, .buf = out },
		.err = { .how = SB_SPAWN_NULL },
		.timeout_ms = secs * 1000,
	};
	int st = sb_spawn_run(&s, SB_IGNORE);

	return st >= 128 ? -1 : st;
}

void
sb_snapshot_sizes(const char *incus_dir, const char *pool,
		  const char *instance, struct sb_snap *v, size_t n)
{
	_cleanup_free_ char **argv = NULL;
	_cleanup_buf_ struct sb_buf out = { .max = 1 << 20 };
	char **paths;
	size_t k = 0, m = 0;

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
}
