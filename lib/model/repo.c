/* Repository URL parsing: three fixed shapes, GitHub's own naming rules
 * for the two parts, and nothing else. */
#include "model/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cleanup.h"
#include "core/text.h"

#define HOST "github.com"
#define SHOW_MAX 120

/* Owner: alphanumerics and single hyphens, no hyphen at either end. */
static int
owner_ok(const char *s, size_t len)
{
	if (len == 0 || len > SB_REPO_OWNER_MAX || s[0] == '-' ||
	    s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '-') {
			if (s[i + 1] == '-')
				return 0;
		} else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9'))) {
			return 0;
		}
	}
	return 1;
}

static int
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > SB_REPO_NAME_MAX ||
	    (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The URL for an error message: one line, bounded, and with anything
 * before an '@' in a URL's authority masked, since people paste
 * https://user:TOKEN@github.com/... */
static void
show(char *out, size_t outsz, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth = scheme ? scheme + 3 : NULL;
	const char *at = NULL;
	size_t o = 0;

	if (auth) {
		size_t alen = strcspn(auth, "/?#");

		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				at = auth + i;
	}
	for (const char *p = url; *p && o + 8 < outsz; p++) {
		if ((size_t)(p - url) == SHOW_MAX) {
			o += (size_t)snprintf(out + o, outsz - o, "...");
			break;
		}
		if (at && p == auth) {
			o += (size_t)snprintf(out + o, outsz - o, "***");
			p = at - 1;
			continue;
		}
		o = sb_text_show_byte(out, outsz, o, (unsigned char)*p);
	}
	out[o] = '\0';
}

static int
invalid(const char *url, struct sb_error **err)
{
	char shown[SHOW_MAX * 4 + 8];

	show(shown, sizeof(shown), url);
	return sb_error_set(err, SB_E_INPUT,
			    "invalid repository '%s': use git@" HOST
			    ":OWNER/REPO.git, ssh://git@" HOST
			    "/OWNER/REPO.git or https://" HOST "/OWNER/REPO",
			    shown);
}

/* Strips a case-insensitive prefix; returns the rest or NULL. */
static const char *
skip(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncasecmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* a b c d e concatenated; NULL when out of memory or a part is NULL. */
static char *
join(const char *a, const char *b, const char *c, const char *d,
     const char *e)
{
	size_t n;
	char *s;

	if (!b || !d)
		return NULL;
	n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + strlen(e) + 1;
	if (!(s = malloc(n)))
		return NULL;
	snprintf(s, n, "%s%s%s%s%s", a, b, c, d, e);
	return s;
}

/* What follows the name in the https URL: nothing, unless the name
 * itself ends in ".git", which only a second ".git" keeps when the URL
 * is parsed back. */
static const char *
https_tail(const char *name, size_t len)
{
	if (len >= 4 && memcmp(name + len - 4, ".git", 4) == 0)
		return ".git";
	return "";
}

int
sb_repo_parse(const char *url, struct sb_repo *out, struct sb_error **err)
{
	const char *path, *slash;
	size_t len, olen, nlen;
	int https = 0;

	*out = (struct sb_repo){ 0 };
	if (!url)
		return invalid("", err);
	/* The user part is case-sensitive ("git"), the host is not. */
	if (strncmp(url, "git@", 4) == 0 && (path = skip(url + 4, HOST ":")))
		;
	else if ((path = skip(url, "ssh://")) && strncmp(path, "git@", 4) == 0 &&
		 (path = skip(path + 4, HOST "/")))
		;
	else if ((path = skip(url, "https://" HOST "/")))
		https = 1;
	else
		return invalid(url, err);
	len = strlen(path);
	if (https && len && path[len - 1] == '/')
		len--;
	if (len >= 4 && memcmp(path + len - 4, ".git", 4) == 0)
		len -= 4;
	slash = memchr(path, '/', len);
	if (!slash)
		return invalid(url, err);
	olen = (size_t)(slash - path);
	nlen = len - olen - 1;
	/* name_ok refuses '/', '?', '#', ':', '@' and whitespace, so extra
	 * path parts, queries and the like all end here. */
	if (!owner_ok(path, olen) || !name_ok(slash + 1, nlen))
		return invalid(url, err);
	out->owner = strndup(path, olen);
	out->name = strndup(slash + 1, nlen);
	out->ssh_url = join("git@" HOST ":", out->owner, "/", out->name, ".git");
	out->https_url = join("https://" HOST "/", out->owner, "/", out->name,
			      https_tail(slash + 1, nlen));
	if (!out->owner || !out->name || !out->ssh_url || !out->https_url) {
		sb_repo_release(out);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	return 0;
}

int
sb_repo_slug_ok(const char *slug)
{
	const char *s = strchr(slug, '/');

	return s && owner_ok(slug, (size_t)(s - slug)) &&
	       name_ok(s + 1, strlen(s + 1));
}

char *
sb_repo_slug(const struct sb_repo *r)
{
	return r->owner ? join("", r->owner, "/", r->name, "") : NULL;
}

void
sb_repo_release(struct sb_repo *r)
{
	SB_FREE_MANY(r->owner, r->name, r->ssh_url, r->https_url);
	*r = (struct sb_repo){ 0 };
}
