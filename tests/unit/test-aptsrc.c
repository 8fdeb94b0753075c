/* Picking the debootstrap mirror out of apt sources, both formats, and
 * the scan order of a whole (fake) /etc/apt. */
#include "model/aptsrc.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "tap.h"
#include "testutil.h"

struct tcase {
	const char *text;
	const char *suite;
	const char *want; /* NULL: no match */
};

static void
run(const struct tcase *cases, size_t n, int deb822)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *uri = NULL;
		_cleanup_error_ struct sb_error *err = NULL;
		int r = sb_aptsrc_parse(cases[i].text, strlen(cases[i].text),
					deb822, cases[i].suite, &uri, &err);

		CHECK(r == 0, "%s case %zu: %s", deb822 ? "deb822" : "one-line",
		      i, err ? err->msg : "");
		CHECK_STR(uri, cases[i].want, "%s case %zu",
			  deb822 ? "deb822" : "one-line", i);
	}
}

static void
oneline(void)
{
	static const struct tcase cases[] = {
		{ "deb http://mirror.example.org/debian bookworm main\n",
		  "bookworm", "http://mirror.example.org/debian" },
		{ "deb http://mirror.example.org/debian bookworm main",
		  "bookworm", "http://mirror.example.org/debian" },
		{ "deb http://mirror.example.org/debian bookworm main\n",
		  "trixie", NULL },
		{ "deb-src http://src.example.org/debian bookworm main\n"
		  "deb http://bin.example.org/debian bookworm main\n",
		  "bookworm", "http://bin.example.org/debian" },
		{ "# deb http://old.example.org/debian bookworm main\n"
		  "deb http://new.example.org/debian bookworm main\n",
		  "bookworm", "http://new.example.org/debian" },
		{ "deb http://sec.example.org/debian-security bookworm-security "
		  "main\ndeb http://upd.example.org/debian bookworm-updates main\n"
		  "deb http://main.example.org/debian bookworm main contrib\n",
		  "bookworm", "http://main.example.org/debian" },
		{ "deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] "
		  "https://m.example.org/ubuntu noble main universe\n",
		  "noble", "https://m.example.org/ubuntu" },
		{ "deb [ arch=amd64,arm64 trusted=yes ] http://m.example.org/d "
		  "bookworm main\n", "bookworm", "http://m.example.org/d" },
		{ "deb [arch=amd64 http://m.example.org/d bookworm main\n",
		  "bookworm", NULL },   /* unclosed options: skipped */
		{ "\tdeb   http://m.example.org/d\tbookworm  main  \r\n",
		  "bookworm", "http://m.example.org/d" },
		{ "deb http://m.example.org/d bookworm main # comment\n",
		  "bookworm", "http://m.example.org/d" },
		{ "deb http://m.example.org/d # bookworm main\n", "bookworm",
		  NULL },
		{ "deb cdrom:[Debian 12]/ bookworm main\n"
		  "deb mirror+file:/etc/apt/mirrors.txt bookworm main\n"
		  "deb file:/srv/mirror bookworm main\n",
		  "bookworm", "file:/srv/mirror" },
		{ "deb ftp://m.example.org/d bookworm main\n", "bookworm",
		  "ftp://m.example.org/d" },
		{ "deb http://m.example.org/d\n", "bookworm", NULL },
		{ "deb\n", "bookworm", NULL },
		{ "debian http://m.example.org/d bookworm main\n", "bookworm",
		  NULL },
		{ "deb http://m.example.org/d Bookworm main\n", "bookworm",
		  NULL },
		{ "", "bookworm", NULL },
		{ "deb http://m.example.org/d bookworm main\n", "", NULL },
	};

	run(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static void
deb822(void)
{
	static const struct tcase cases[] = {
		{ "Types: deb\nURIs: http://m.example.org/debian\n"
		  "Suites: bookworm bookworm-updates\nComponents: main\n"
		  "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
		  "bookworm", "http://m.example.org/debian" },
		{ "Types: deb\nURIs: http://m.example.org/debian\n"
		  "Suites: bookworm bookworm-updates\nComponents: main\n",
		  "bookworm-updates", "http://m.example.org/debian" },
		{ "Types: deb\nURIs: http://m.example.org/debian\n"
		  "Suites: bookworm\nComponents: main\n", "trixie", NULL },
		/* A security stanza first, then the main archive. */
		{ "Types: deb\nURIs: http://sec.example.org/debian-security\n"
		  "Suites: bookworm-security\nComponents: main\n\n"
		  "Types: deb deb-src\nURIs: http://m.example.org/debian\n"
		  "Suites: bookworm\nComponents: main\n",
		  "bookworm", "http://m.example.org/debian" },
		{ "Types: deb-src\nURIs: http://src.example.org/d\n"
		  "Suites: bookworm\n\nTypes: deb\nURIs: http://bin.example.org/d\n"
		  "Suites: bookworm\n", "bookworm", "http://bin.example.org/d" },
		{ "Types: deb\nURIs: http://off.example.org/d\nSuites: bookworm\n"
		  "Enabled: no\n\nTypes: deb\nURIs: http://on.example.org/d\n"
		  "Suites: bookworm\nEnabled: yes\n",
		  "bookworm", "http://on.example.org/d" },
		{ "Enabled: False\nTypes: deb\nURIs: http://off.example.org/d\n"
		  "Suites: bookworm\n", "bookworm", NULL },
		/* Several URIs: the first usable one. */
		{ "Types: deb\nURIs: cdrom:/x/ http://a.example.org/d "
		  "http://b.example.org/d\nSuites: noble noble-updates\n",
		  "noble", "http://a.example.org/d" },
		/* Folded fields, comments inside a stanza, odd case and CRLF. */
		{ "# Modernized from /etc/apt/sources.list\r\n"
		  "types: deb\r\n"
		  "uris:\r\n"
		  "  https://fold.example.org/ubuntu\r\n"
		  "# a comment does not end the stanza\r\n"
		  "SUITES: noble\r\n"
		  " noble-backports\r\n"
		  "Components: main\r\n",
		  "noble-backports", "https://fold.example.org/ubuntu" },
		/* A blank line with spaces ends a stanza. */
		{ "Types: deb\nURIs: http://a.example.org/d\n   \n"
		  "Suites: bookworm\n", "bookworm", NULL },
		{ "Types: deb\nSuites: bookworm\n", "bookworm", NULL },
		{ "URIs: http://a.example.org/d\nSuites: bookworm\n", "bookworm",
		  NULL },
		{ "Types: deb\nURIs: http://a.example.org/d\nSuites: bookworm",
		  "bookworm", "http://a.example.org/d" },
		{ "garbage line\nTypes: deb\nURIs: http://a.example.org/d\n"
		  "Suites: bookworm\n", "bookworm", "http://a.example.org/d" },
		/* A later field of the same name replaces the earlier. */
		{ "Types: deb\nURIs: http://a.example.org/d\nSuites: trixie\n"
		  "Suites: bookworm\n", "bookworm", "http://a.example.org/d" },
		{ "", "bookworm", NULL },
	};

	run(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	CHECK(tu_write_file(dir, name, text, 0644) == 0, "create %s/%s", dir,
	      name);
}

static void
remove_file(const char *dir, const char *name)
{
	_cleanup_free_ char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) > 0)
		unlink(p);
}

static char *
mirror(const char *suite, struct sb_error **err)
{
	sb_error_free(*err);
	*err = NULL;
	return sb_aptsrc_mirror(suite, err);
}

static void
whole_root(void)
{
	char root[] = "/tmp/test-aptsrc-XXXXXX";
	_cleanup_free_ char *d = NULL, *want = NULL;
	_cleanup_error_ struct sb_error *err = NULL;
	char *u;

	CHECK(mkdtemp(root) != NULL, "mkdtemp");
	CHECK(asprintf(&d, "%s/sources.list.d", root) > 0, "asprintf");
	setenv("SANDBOX_APT_ROOT", root, 1);

	/* Nothing at all. */
	u = mirror("bookworm", &err);
	CHECK(u == NULL && err && err->code == SB_E_NOTFOUND, "no sources");
	CHECK(asprintf(&want, "no apt source for bookworm in %s: pass "
		       "--mirror URL", root) > 0, "asprintf");
	CHECK_STR(err ? err->msg : NULL, want, "message");

	/* sources.list.d only, name order, both kinds, odd names skipped. */
	mkdir(d, 0755);
	write_file(d, "50-z.sources", "Types: deb\nURIs: http://z.example.org/d"
		   "\nSuites: bookworm\n");
	write_file(d, "20-b.list", "deb http://b.example.org/d bookworm main\n");
	write_file(d, "10-a.list", "deb http://a.example.org/d trixie main\n");
	write_file(d, "00-x.list.save", "deb http://save.example.org/d "
		   "bookworm main\n");
	write_file(d, "05-x.sources.disabled", "Types: deb\nURIs: "
		   "http://dis.example.org/d\nSuites: bookworm\n");
	write_file(d, "06 space.list", "deb http://sp.example.org/d bookworm "
		   "main\n");
	u = mirror("bookworm", &err);
	CHECK_STR(u, "http://b.example.org/d", "first by name: %s",
		  err ? err->msg : "");
	free(u);
	u = mirror("trixie", &err);
	CHECK_STR(u, "http://a.example.org/d", "other suite");
	free(u);
	remove_file(d, "20-b.list");
	u = mirror("bookworm", &err);
	CHECK_STR(u, "http://z.example.org/d", "deb822 file");
	free(u);

	/* sources.list wins over sources.list.d. */
	write_file(root, "sources.list", "# main list\n"
		   "deb http://list.example.org/d bookworm main\n");
	u = mirror("bookworm", &err);
	CHECK_STR(u, "http://list.example.org/d", "sources.list first");
	free(u);
	u = mirror("sid", &err);
	CHECK(u == NULL && err && strstr(err->msg, "no apt source for sid"),
	      "unknown suite");

	remove_file(root, "sources.list");
	remove_file(d, "50-z.sources");
	remove_file(d, "10-a.list");
	remove_file(d, "00-x.list.save");
	remove_file(d, "05-x.sources.disabled");
	remove_file(d, "06 space.list");
	rmdir(d);
	rmdir(root);
	unsetenv("SANDBOX_APT_ROOT");
}

int
main(void)
{
	oneline();
	deb822();
	whole_root();
	return tap_done();
}
