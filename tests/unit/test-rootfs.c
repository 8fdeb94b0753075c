/* Confined, non-blocking reads of a container's files (lib/sys/rootfs.c) and
 * the workspace facts parsed from them (lib/model/gitmeta.c, lib/creds/workspace.c):
 * the hostile shapes a container can give its files, on a real
 * directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "model/gitmeta.h"
#include "sys/rootfs.h"
#include "tap.h"
#include "testutil.h"
#include "creds/workspace.h"

static char top[] = "/tmp/sb-rootfs-XXXXXX";
static char host[4200], root[4200];

static void
put(const char *rel, const char *text)
{
	tu_write_file(root, rel, text, 0644);
}

static void
at(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static void
tree(void)
{
	char p[4400], q[4400];

	snprintf(host, sizeof(host), "%s/host", top);
	snprintf(root, sizeof(root), "%s/rootfs", top);
	mkdir(host, 0755);
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/secret", host);
	{
		FILE *f = fopen(p, "w");

		if (f) {
			fputs("host secret\n", f);
			fclose(f);
		}
	}
	at(p, sizeof(p), "etc");
	mkdir(p, 0755);
	put("etc/plain", "hello\n");
	at(p, sizeof(p), "fifo");
	mkfifo(p, 0644);
	/* Absolute, relative and directory escapes. */
	snprintf(q, sizeof(q), "%s/secret", host);
	at(p, sizeof(p), "abs");
	CHECK(symlink(q, p) == 0, "symlink abs");
	at(p, sizeof(p), "etc/rel");
	CHECK(symlink("../../host/secret", p) == 0, "symlink rel");
	at(p, sizeof(p), "hostdir");
	CHECK(symlink(host, p) == 0, "symlink dir");
	at(p, sizeof(p), "inside");
	CHECK(symlink("/etc/plain", p) == 0, "symlink inside");
	at(p, sizeof(p), "magic");
	CHECK(symlink("/proc/self/root/etc/passwd", p) == 0, "magic");
	at(p, sizeof(p), "sparse");
	{
		int fd = open(p, O_WRONLY | O_CREAT, 0644);

		CHECK(fd >= 0 && ftruncate(fd, (off_t)2 << 30) == 0, "sparse");
		if (fd >= 0)
			close(fd);
	}
}

static void
reads(int rfd)
{
	/* errno 0: any refusal will do. */
	static const struct {
		const char *path;
		size_t max;
		int errno_want;
		const char *what;
	} refused[] = {
		{ "/etc/plain", 3, EFBIG, "over the cap" },
		{ "/fifo", 100, EINVAL, "a FIFO is refused at once" },
		{ "/sparse", 65536, EFBIG, "2 GiB sparse file" },
		{ "/etc", 100, EINVAL, "directory" },
		{ "/abs", 100, 0, "final symlink" },
		{ "/hostdir/secret", 100, ENOENT,
		  "absolute symlink stays in the root" },
		{ "/etc/../../../host/secret", 100, ENOENT,
		  "dot-dot stays in the root" },
		{ "/missing", 100, ENOENT, "missing" },
		{ "/", 100, 0, "the root itself" },
	};
	struct sb_buf b = { 0 };

	CHECK(sb_rootfs_read(rfd, "/etc/plain", 100, &b) == 0 &&
	      b.len == 6 && strcmp(b.data, "hello\n") == 0, "plain file");
	sb_buf_release(&b);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int want = refused[i].errno_want;
		int rc = sb_rootfs_read(rfd, refused[i].path, refused[i].max,
					&b);

		CHECK(rc < 0 && (!want || errno == want), "%s",
		      refused[i].what);
		sb_buf_release(&b);
	}
}

static void
probes(int rfd)
{
	CHECK(sb_rootfs_has(rfd, "/etc/plain") == 1, "has a file");
	CHECK(sb_rootfs_has(rfd, "/inside") == 1, "symlink inside the root");
	CHECK(sb_rootfs_has(rfd, "/abs") == 0, "abs symlink names nothing");
	CHECK(sb_rootfs_has(rfd, "/etc/rel") == 0, "rel symlink stays in");
	CHECK(sb_rootfs_has(rfd, "/magic") != 1, "no magic links");
	CHECK(sb_rootfs_has(rfd, "/fifo") == 0, "a FIFO is not a file");
	CHECK(sb_rootfs_has(rfd, "/missing") == 0, "missing");
	CHECK(sb_rootfs_has(rfd, "/etc/plain/x") == 0, "under a file");
}

static void
workspace_of(int rfd)
{
	char p[4400];
	char *slug = NULL, *branch = NULL;

	CHECK(sb_workspace_read(rfd, &slug, &branch) == 0 && !slug && !branch,
	      "no workspace, no repository");
	at(p, sizeof(p), "workspace");
	mkdir(p, 0755);
	at(p, sizeof(p), "workspace/project");
	mkdir(p, 0755);
	at(p, sizeof(p), "workspace/project/.git");
	mkdir(p, 0755);
	put("workspace/project/.git/HEAD", "ref: refs/heads/feat/x\n");
	put("workspace/project/.git/config",
	    "[core]\n\tbare = false\n[remote \"origin\"]\n"
	    "\turl = git@github.com:octo/hello.git\n");
	CHECK(sb_workspace_read(rfd, &slug, &branch) == 0, "repository");
	CHECK_STR(slug, "octo/hello", "slug");
	CHECK_STR(branch, "feat/x", "branch");
	free(slug);
	free(branch);
	/* The FIFO at .git/config: refused at once, not a hang. */
	at(p, sizeof(p), "workspace/project/.git/config");
	unlink(p);
	mkfifo(p, 0644);
	CHECK(sb_workspace_read(rfd, &slug, &branch) < 0 && !slug && !branch,
	      "FIFO config is unreadable");
	unlink(p);
	CHECK(symlink("/hostdir/secret", p) == 0, "config symlink");
	CHECK(sb_workspace_read(rfd, &slug, &branch) < 0, "symlinked config");
}

static void
parsers(void)
{
	static const struct { const char *in; const char *want; } heads[] = {
		{ "ref: refs/heads/main\n", "main" },
		{ "ref: refs/heads/main\r\n", "main" },
		{ "ref: refs/heads/a b\n", NULL },
		{ "ref: refs/heads/\x1b[31m\n", NULL },
		{ "ref: refs/tags/v1\n", NULL },
		{ "0123456789abcdef0123456789abcdef01234567\n", "0123456789ab" },
		{ "0123456789abcdef0123456789abcdef0123456g\n", NULL },
		{ "", NULL },
	};
	static const struct { const char *in; const char *want; } cfgs[] = {
		{ "[remote \"origin\"]\nurl = a\n", "a" },
		{ "[Remote \"origin\"]\n\tURL=\"b\" # c\n", "b" },
		{ "[remote \"Origin\"]\nurl = a\n", NULL },
		{ "[remote \"up\"]\nurl = a\n[remote \"origin\"]\nfetch=x\nurl=c",
		  "c" },
		{ "[remote \"origin\"]\n[core]\nurl = a\n", NULL },
		{ "[remote \"origin\"]\nurl = a\\\nb\n", NULL },
		{ "[remote \"origin\"]\nurl = \"unterminated\n", NULL },
		{ "[remote \"origin\"]\nurl = \x1b]0;x\a\n", NULL },
		{ "[include]\npath = /etc/shadow\n", NULL },
		{ "", NULL },
	};

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		_cleanup_free_ char *b = sb_gitmeta_branch(heads[i].in,
						strlen(heads[i].in));

		CHECK_STR(b, heads[i].want, "HEAD %zu", i);
	}
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		_cleanup_free_ char *u = sb_gitmeta_origin(cfgs[i].in,
						strlen(cfgs[i].in));

		CHECK_STR(u, cfgs[i].want, "config %zu", i);
	}
}

int
main(void)
{
	int rfd;
	char cmd[4300];

	parsers();
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	tree();
	rfd = sb_rootfs_open_dir(root);
	/* valgrind 3.19 does not know openat2: what it checks here is
	 * memory, and the parsers above ran. */
	if (rfd < 0 && errno == ENOSYS)
		fprintf(stderr, "openat2 unavailable here: rootfs checks "
			"skipped\n");
	else
		CHECK(rfd >= 0, "open the root");
	if (rfd >= 0) {
		reads(rfd);
		probes(rfd);
		workspace_of(rfd);
		close(rfd);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", top);
	return tap_done();
}
