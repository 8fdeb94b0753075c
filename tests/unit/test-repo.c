/* Repository URL parsing: the three accepted shapes and what is refused. */
#include "model/repo.h"

#include "core/cleanup.h"
#include "tap.h"

static int
ends_in_git(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && strcmp(name + n - 4, ".git") == 0;
}

/* Both URLs of a parsed repository parse back to the same name. */
static void
round_trip(const struct sb_repo *r)
{
	const char *urls[] = { r->ssh_url, r->https_url };

	for (size_t i = 0; i < 2; i++) {
		struct sb_repo b;
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_repo_parse(urls[i], &b, &err) == 0 &&
			      strcmp(b.owner, r->owner) == 0 &&
			      strcmp(b.name, r->name) == 0,
		      "'%s' parses back to %s/%s", urls[i], r->owner, r->name);
		sb_repo_release(&b);
	}
}

static void
good(void)
{
	static const struct { const char *url, *owner, *name; } cases[] = {
		{ "git@github.com:me/api.git", "me", "api" },
		{ "git@github.com:me/api", "me", "api" },
		{ "git@GitHub.COM:me/api.git", "me", "api" },
		{ "ssh://git@github.com/me/api.git", "me", "api" },
		{ "ssh://git@github.com/me/api", "me", "api" },
		{ "SSH://git@GITHUB.com/me/api", "me", "api" },
		{ "https://github.com/me/api", "me", "api" },
		{ "https://github.com/me/api.git", "me", "api" },
		{ "https://github.com/me/api/", "me", "api" },
		{ "https://github.com/me/api.git/", "me", "api" },
		{ "https://GitHub.com/Me/Api", "Me", "Api" },
		{ "git@github.com:a-b-c/x.y_z-1", "a-b-c", "x.y_z-1" },
		{ "git@github.com:9/...", "9", "..." },
		{ "git@github.com:o/.github", "o", ".github" },
		{ "git@github.com:o/a.git.git", "o", "a.git" },
		{ "git@github.com:abcdefghij1234567890abcdefghij123456789/r",
		  "abcdefghij1234567890abcdefghij123456789", "r" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_repo r;
		_cleanup_error_ struct sb_error *err = NULL;
		_cleanup_free_ char *slug = NULL, *ssh = NULL, *https = NULL;

		CHECK(sb_repo_parse(cases[i].url, &r, &err) == 0, "'%s': %s",
		      cases[i].url, err ? err->msg : "");
		CHECK_STR(r.owner, cases[i].owner, "owner of '%s'", cases[i].url);
		CHECK_STR(r.name, cases[i].name, "name of '%s'", cases[i].url);
		CHECK(asprintf(&ssh, "git@github.com:%s/%s.git", cases[i].owner,
			       cases[i].name) > 0, "asprintf");
		/* A name ending in .git needs a second one to parse back. */
		CHECK(asprintf(&https, "https://github.com/%s/%s%s",
			       cases[i].owner, cases[i].name,
			       ends_in_git(cases[i].name) ? ".git" : "") > 0,
		      "asprintf");
		CHECK_STR(r.ssh_url, ssh, "ssh_url of '%s'", cases[i].url);
		CHECK_STR(r.https_url, https, "https_url of '%s'", cases[i].url);
		round_trip(&r);
		slug = sb_repo_slug(&r);
		CHECK(slug && strchr(slug, '/') &&
		      strncmp(slug, cases[i].owner, strlen(cases[i].owner)) == 0,
		      "slug '%s'", slug ? slug : "");
		CHECK(slug && sb_repo_slug_ok(slug), "slug '%s' ok",
		      slug ? slug : "");
		sb_repo_release(&r);
		CHECK(r.owner == NULL && r.ssh_url == NULL, "release clears");
	}
}

static void
bad(void)
{
	static const char owner40[] = "abcdefghij1234567890abcdefghij1234567890";
	char name101[102], long_owner[80], long_name[140];
	const char *cases[] = {
		"", "me/api", "github.com/me/api", "git@github.com/me/api",
		"git@github.com:me", "git@github.com:me/", "git@github.com:/api",
		"git@github.com:me/api/extra", "git@github.com:me/api.git/",
		"git@gitlab.com:me/api.git", "git@github.com.evil.com:me/api",
		"git@evilgithub.com:me/api", "Git@github.com:me/api",
		"user@github.com:me/api", "github.com:me/api",
		"ssh://github.com/me/api", "ssh://root@github.com/me/api",
		"ssh://git@github.com:22/me/api", "ssh://git@github.com:me/api",
		"ssh://git@github.com/me/api/",
		"http://github.com/me/api", "https://www.github.com/me/api",
		"https://github.com:443/me/api", "https://git@github.com/me/api",
		"https://user:tok@github.com/me/api",
		"https://github.com/me/api/tree/main",
		"https://github.com/me/api?tab=readme",
		"https://github.com/me/api#readme", "https://github.com/me//api",
		"https://github.com//me/api", "https://github.com/me/api//",
		"https://github.com/me", "https://github.com/",
		"git@github.com:me/.", "git@github.com:me/..",
		"git@github.com:me/..git", "git@github.com:me/.git",
		"git@github.com:-me/api", "git@github.com:me-/api",
		"git@github.com:m--e/api", "git@github.com:m_e/api",
		"git@github.com:m.e/api", "git@github.com:me/a pi",
		" git@github.com:me/api", "git@github.com:me/api ",
		"git@github.com:me/api\n", "git@github.com:me/api\t",
		"git@github.com:me/caf\xc3\xa9", "git@github.com:me/a@b",
		"git@github.com:me/a:b", "file:///srv/git/api.git",
		long_owner, long_name,
	};

	memset(name101, 'r', 101);
	name101[101] = '\0';
	snprintf(long_owner, sizeof(long_owner), "git@github.com:%s/r", owner40);
	snprintf(long_name, sizeof(long_name), "git@github.com:o/%s", name101);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_repo r;
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_repo_parse(cases[i], &r, &err) == -1, "'%s' refused",
		      cases[i]);
		CHECK(err && strncmp(err->msg, "invalid repository '", 20) == 0 &&
		      strstr(err->msg, "': use git@github.com:OWNER/REPO.git, "
			     "ssh://git@github.com/OWNER/REPO.git or "
			     "https://github.com/OWNER/REPO"),
		      "'%s': %s", cases[i], err ? err->msg : "");
		CHECK(err && !strchr(err->msg, '\n'), "one line");
		CHECK(r.owner == NULL && r.name == NULL, "out zeroed");
		CHECK(err && err->code == SB_E_INPUT, "input error");
	}
	/* The name at the limit passes. */
	{
		struct sb_repo r;
		char url[160];

		name101[100] = '\0';
		snprintf(url, sizeof(url), "git@github.com:o/%s.git", name101);
		CHECK(sb_repo_parse(url, &r, NULL) == 0, "100-character name");
		sb_repo_release(&r);
	}
	{
		struct sb_repo r;

		CHECK(sb_repo_parse(NULL, &r, NULL) == -1, "NULL refused");
	}
}

static void
shown_safely(void)
{
	static const struct { const char *url, *shown, *hidden; } cases[] = {
		{ "https://me:ghp_SECRET@github.com/me/api",
		  "'https://***@github.com/me/api'", "SECRET" },
		{ "ssh://me:SECRET@github.com/me/api", "'ssh://***@github.com/",
		  "SECRET" },
		{ "git@gitlab.com:me/api\n", "'git@gitlab.com:me/api\\x0a'",
		  "\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_repo r;
		_cleanup_error_ struct sb_error *err = NULL;

		sb_repo_parse(cases[i].url, &r, &err);
		CHECK(err && strstr(err->msg, cases[i].shown) &&
		      !strstr(err->msg, cases[i].hidden), "shown as %s: %s",
		      cases[i].shown, err ? err->msg : "");
	}
}

/* The GitHub client checks slugs again by the same rules. */
static void
slugs(void)
{
	static const char *bad_slugs[] = {
		"",        "me",      "me/",      "/api",    "../etc",
		"-me/api", "me-/api", "m--e/api", "m_e/api", "me/.",
		"me/..",   "me/a/b",  "me/a pi",
	};

	for (size_t i = 0; i < sizeof(bad_slugs) / sizeof(bad_slugs[0]); i++)
		CHECK(!sb_repo_slug_ok(bad_slugs[i]), "'%s' refused",
		      bad_slugs[i]);
}

int
main(void)
{
	good();
	bad();
	shown_safely();
	slugs();
	return tap_done();
}
