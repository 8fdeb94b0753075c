/* Allowlist parsing, matching, resolution and the shipped default list. */
#include "model/allowlist.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "tap.h"
#include "testutil.h"

#include "allowlist_match.h"

static void
parse_one(const char *text, struct sb_allowlist *al, struct sb_error **err)
{
	sb_allowlist_parse(al, text, strlen(text), "list.txt", err);
}

static void
good_entries(void)
{
	static const struct { const char *line, *want; } cases[] = {
		{ "example.com", "example.com" },
		{ ".example.com", ".example.com" },
		{ "  example.com  ", "example.com" },
		{ "\texample.com\r", "example.com" },
		{ "Example.COM", "example.com" },
		{ "example.com # the docs", "example.com" },
		{ "example.com\t#x", "example.com" },
		{ "example.com.", "example.com" },
		{ ".example.com.", ".example.com" },
		{ "a-b.example.com", "a-b.example.com" },
		{ "xn--caf-dma.example", "xn--caf-dma.example" },
		{ "1password.com", "1password.com" },
		{ "a.b.c.d.e.f", "a.b.c.d.e.f" },
		{ "s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com" },
		{ "x.co9", "x.co9" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_allowlist al = { 0 };
		_cleanup_error_ struct sb_error *err = NULL;

		parse_one(cases[i].line, &al, &err);
		CHECK(!err, "'%s' accepted: %s", cases[i].line,
		      err ? err->msg : "");
		CHECK(al.n == 1, "'%s': one entry", cases[i].line);
		if (al.n == 1)
			CHECK_STR(al.domains[0], cases[i].want, "'%s'",
				  cases[i].line);
		sb_allowlist_release(&al);
	}
}

static void
bad_entries(void)
{
	static const struct { const char *line, *shown, *why; } cases[] = {
		{ "*.example.com", "*.example.com", "wildcards are not allowed" },
		{ "*", "*", "wildcards" },
		{ "ex*ample.com", "ex*ample.com", "wildcards" },
		{ "192.168.1.1", "192.168.1.1", "IP addresses are not allowed" },
		{ "10.1", "10.1", "IP addresses" },
		{ ".10.0.0.1", ".10.0.0.1", "IP addresses" },
		{ "::1", "::1", "IP addresses" },
		{ "2001:db8::1", "2001:db8::1", "IP addresses" },
		{ "[2001:db8::1]", "[2001:db8::1]", "IP addresses" },
		{ "example.com:443", "example.com:443", "ports are not allowed" },
		{ "https://example.com", "https://example.com", "URLs and paths" },
		{ "example.com/path", "example.com/path", "URLs and paths" },
		{ "example.com?q", "example.com?q", "URLs and paths" },
		{ "user@example.com", "user@example.com", "user names" },
		{ "caf\xc3\xa9.example", "caf\\xc3\\xa9.example",
		  "non-ASCII names are not allowed: write the punycode" },
		{ "a..b", "a..b", "empty label" },
		{ "..example.com", "..example.com", "empty label" },
		{ "example.com..", "example.com..", "empty label" },
		{ ".", ".", "empty name" },
		{ "-a.com", "-a.com", "starts or ends with a hyphen" },
		{ "a-.com", "a-.com", "hyphen" },
		{ "localhost", "localhost", "a single label is not allowed" },
		{ ".com", ".com", "single label" },
		{ "under_score.com", "under_score.com",
		  "only letters, digits, hyphens and dots" },
		{ "host#frag.com", "host#frag.com", "only letters" },
		{ "a b.com", "a b.com", "only letters" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_allowlist al = { 0 };
		_cleanup_error_ struct sb_error *err = NULL;
		_cleanup_free_ char *text = NULL, *want = NULL;

		/* Line 3, after a good entry and a comment. */
		CHECK(asprintf(&text, "ok.example\n# c\n%s\n", cases[i].line) > 0,
		      "asprintf");
		CHECK(asprintf(&want, "list.txt:3: invalid domain '%s': ",
			       cases[i].shown) > 0, "asprintf");
		parse_one(text, &al, &err);
		CHECK(err != NULL, "'%s' refused", cases[i].line);
		CHECK(err && strstr(err->msg, want) && strstr(err->msg,
			cases[i].why), "'%s': %s", cases[i].line,
		      err ? err->msg : "");
		CHECK(al.n == 0 && al.domains == NULL, "nothing kept");
		sb_allowlist_release(&al);
	}

	/* Length limits: 63 per label, 253 in all. */
	{
		struct sb_allowlist al = { 0 };
		_cleanup_error_ struct sb_error *err = NULL;
		char name[300], label63[64];

		memset(label63, 'a', 63);
		label63[63] = '\0';
		snprintf(name, sizeof(name), "%s.com", label63);
		parse_one(name, &al, &err);
		CHECK(!err, "63-character label accepted");
		sb_allowlist_release(&al);
		snprintf(name, sizeof(name), "%sb.com", label63);
		parse_one(name, &al, &err);
		CHECK(err && strstr(err->msg, "longer than 63"), "64 refused");
		sb_error_free(err);
		err = NULL;
		/* 4 x 63 + 3 dots = 255 > 253; 3 x 63 + 61 + 3 = 253. */
		snprintf(name, sizeof(name), "%s.%s.%s.%s", label63,
			 label63, label63, label63);
		parse_one(name, &al, &err);
		CHECK(err && strstr(err->msg, "longer than 253"),
		      "255 refused: %s", err ? err->msg : "");
		sb_error_free(err);
		err = NULL;
		snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label63,
			 label63, label63, label63);
		CHECK(strlen(name) == 253, "253 long");
		parse_one(name, &al, &err);
		CHECK(!err && al.n == 1, "253 accepted: %s",
		      err ? err->msg : "");
		sb_allowlist_release(&al);
	}
}

static void
whole_file(void)
{
	const char *text =
		"# my list\r\n"
		"\r\n"
		".github.com\r\n"
		"api.github.com   # covered by the suffix above: dropped\n"
		"   \t\n"
		"Example.org\n"
		"example.org\n"
		"example.org.\n"
		".example.net\n"
		"example.net\n"
		".b.example.net\n"
		"only.example.edu";
	struct sb_allowlist al = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;

	CHECK(sb_allowlist_parse(&al, text, strlen(text), "f", &err) == 0,
	      "parses: %s", err ? err->msg : "");
	CHECK(al.n == 4, "duplicates and covered names dropped: %zu", al.n);
	if (al.n == 4) {
		CHECK_STR(al.domains[0], ".github.com", "file order");
		CHECK_STR(al.domains[1], "example.org", "file order");
		CHECK_STR(al.domains[2], ".example.net", "file order");
		CHECK_STR(al.domains[3], "only.example.edu", "no newline at end");
	}
	CHECK_STR(al.source, "f", "source kept");
	sb_allowlist_release(&al);
}

static void
matching(void)
{
	const char *text = ".github.com\nexample.org\n.co.example\n";
	static const struct { const char *host; int want; } cases[] = {
		{ "github.com", 1 },
		{ "api.github.com", 1 },
		{ "a.b.github.com", 1 },
		{ "API.GitHub.COM", 1 },
		{ "api.github.com.", 1 },
		{ "evilgithub.com", 0 },
		{ "github.com.evil.com", 0 },
		{ "github.co", 0 },
		{ "example.org", 1 },
		{ "EXAMPLE.ORG.", 1 },
		{ "www.example.org", 0 },
		{ "xexample.org", 0 },
		{ "co.example", 1 },
		{ "x.co.example", 1 },
		{ "", 0 },
		{ ".", 0 },
		{ "com", 0 },
		{ ".github.com", 0 },   /* not a host name */
	};
	struct sb_allowlist al = { 0 };

	CHECK(sb_allowlist_parse(&al, text, strlen(text), "f", NULL) == 0,
	      "parses");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(sb_allowlist_match(&al, cases[i].host) == cases[i].want,
		      "match '%s'", cases[i].host);
	CHECK(sb_allowlist_match(&al, NULL) == 0, "NULL host");
	sb_allowlist_release(&al);
	CHECK(sb_allowlist_match(&al, "github.com") == 0, "empty list");
}

static void
replace_on_reparse(void)
{
	struct sb_allowlist al = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;

	parse_one("a.example\n", &al, NULL);
	parse_one("b.example\nc.example\n", &al, NULL);
	CHECK(al.n == 2 && strcmp(al.domains[0], "b.example") == 0,
	      "second parse replaces the first");
	parse_one("bad\n", &al, &err);
	CHECK(err && al.n == 2, "failed parse keeps the previous list");
	sb_allowlist_release(&al);
}

static void
resolve_and_load(void)
{
	char home[] = "/tmp/test-allowlist-XXXXXX";
	_cleanup_free_ char *dir = NULL, *user = NULL, *r1 = NULL, *r2 = NULL,
			    *r3 = NULL, *r4 = NULL;
	struct sb_allowlist al = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;

	CHECK(mkdtemp(home) != NULL, "mkdtemp");
	CHECK(asprintf(&dir, "%s/.sandbox", home) > 0, "asprintf");
	CHECK(asprintf(&user, "%s/allowed-domains.txt", dir) > 0, "asprintf");
	r1 = sb_allowlist_resolve("/x/mine.txt", home, "/data");
	CHECK_STR(r1, "/x/mine.txt", "--domains-file first");
	r2 = sb_allowlist_resolve(NULL, home, "/data");
	CHECK_STR(r2, "/data/allowlists/default.txt", "default without a user "
		  "file");
	mkdir(dir, 0700);
	tu_write_file(dir, "allowed-domains.txt", ".example.com\n", 0644);
	r3 = sb_allowlist_resolve(NULL, home, "/data");
	CHECK_STR(r3, user, "user file when it exists");
	r4 = sb_allowlist_resolve(NULL, NULL, "/data");
	CHECK_STR(r4, "/data/allowlists/default.txt", "no HOME");

	CHECK(sb_allowlist_load(&al, user, &err) == 0, "loads");
	CHECK(al.n == 1 && sb_allowlist_match(&al, "www.example.com"), "works");
	CHECK_STR(al.source, user, "source is the path");
	sb_allowlist_release(&al);
	unlink(user);
	CHECK(sb_allowlist_load(&al, user, &err) == -1 && err &&
	      strstr(err->msg, user) && strstr(err->msg, "No such file"),
	      "missing file: %s", err ? err->msg : "");
	rmdir(dir);
	rmdir(home);
}

/* The shipped list must parse, and allow what agents need. */
static void
default_list(void)
{
	static const char *const must[] = {
		"api.anthropic.com", "console.anthropic.com", "github.com",
		"api.github.com", "codeload.github.com",
		"objects.githubusercontent.com",
		"raw.githubusercontent.com",
	};
	struct sb_allowlist al = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;

	CHECK(sb_allowlist_load(&al, "allowlists/default.txt", &err) == 0,
	      "default list parses: %s", err ? err->msg : "");
	CHECK(al.n >= 15, "default list has entries: %zu", al.n);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		CHECK(sb_allowlist_match(&al, must[i]), "default allows %s",
		      must[i]);
	CHECK(!sb_allowlist_match(&al, "example.com"), "not everything");
	/* Registry hosts appear only as suffix entries (a house rule). */
	for (size_t i = 0; i < al.n; i++)
		if (strstr(al.domains[i], "npm") || strstr(al.domains[i], "pypi")
		    || strstr(al.domains[i], "crates"))
			CHECK(al.domains[i][0] == '.', "'%s' is a suffix",
			      al.domains[i]);
	sb_allowlist_release(&al);
}

/* Issue 16: the list covers a coding agent and the ecosystems beside the
 * stacks; every line parses on its own; every group opens with a
 * comment. */
static void
default_groups(void)
{
	static const char *const must[] = {
		/* logging Claude Code in, its flags and error reports */
		"claude.ai", "platform.claude.com", "code.claude.com",
		"statsig.anthropic.com", "o1.ingest.sentry.io",
		"o1.ingest.us.sentry.io",
		/* container registries and Docker Hub's CDN */
		"ghcr.io", "gcr.io", "us.gcr.io", "mcr.microsoft.com",
		"public.ecr.aws", "registry-1.docker.io",
		"production.cloudflare.docker.com", "quay.io",
		/* GitLab, Bitbucket */
		"gitlab.com", "bitbucket.org",
		/* language registries */
		"repo.maven.apache.org", "repo1.maven.org",
		"services.gradle.org", "plugins.gradle.org", "rubygems.org",
		"index.rubygems.org", "api.nuget.org", "repo.packagist.org",
		"pub.dev", "repo.hex.pm", "www.cpan.org",
		"hackage.haskell.org", "conda.anaconda.org",
		"repo.anaconda.com", "registry.npmjs.org", "pypi.org",
		"files.pythonhosted.org", "static.crates.io",
		"proxy.golang.org",
		/* HashiCorp and Kubernetes releases */
		"releases.hashicorp.com", "dl.k8s.io", "registry.k8s.io",
		/* schema stores, the MCP site */
		"json.schemastore.org", "modelcontextprotocol.io",
		"registry.modelcontextprotocol.io",
	};
	struct sb_allowlist al = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;
	FILE *f = fopen("allowlists/default.txt", "r");
	char line[512];
	int lineno = 0, entries = 0, in_group = 0, headed = 1;

	CHECK(f != NULL, "open the default list");
	while (f && fgets(line, sizeof(line), f)) {
		struct sb_allowlist one = { 0 };
		_cleanup_error_ struct sb_error *e = NULL;
		size_t n = strcspn(line, "\n");

		lineno++;
		line[n] = '\0';
		if (n == 0) {
			in_group = 0;
			continue;
		}
		if (line[0] == '#') {
			in_group = 1;
			continue;
		}
		/* An entry right after a blank line has no comment. */
		if (!in_group)
			headed = 0;
		entries++;
		CHECK(sb_allowlist_parse(&one, line, n, "default.txt", &e) == 0
		      && one.n == 1, "line %d '%s' parses: %s", lineno, line,
		      e ? e->msg : "");
		sb_allowlist_release(&one);
	}
	if (f)
		fclose(f);
	CHECK(headed, "every group opens with a comment");
	CHECK(entries >= 150 && entries <= 200, "150..200 entries: %d",
	      entries);
	CHECK(sb_allowlist_load(&al, "allowlists/default.txt", &err) == 0,
	      "default list parses: %s", err ? err->msg : "");
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		CHECK(sb_allowlist_match(&al, must[i]), "default allows %s",
		      must[i]);
	/* Not wide open: hosts no group names stay out. */
	CHECK(!sb_allowlist_match(&al, "attacker.example"), "not everything");
	CHECK(!sb_allowlist_match(&al, "storage.googleapis.com"),
	      "no whole cloud storage service");
	sb_allowlist_release(&al);
}

int
main(void)
{
	good_entries();
	bad_entries();
	whole_file();
	matching();
	replace_on_reparse();
	resolve_and_load();
	default_list();
	default_groups();
	return tap_done();
}
