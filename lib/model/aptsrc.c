/* Picking the mirror out of the host's apt configuration. */
#include "model/aptsrc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/knobs.h"

#define SOURCES_FILE_MAX ((size_t)4 << 20)

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Whether debootstrap can fetch from this URI (cdrom:, mirror+http: and
 * tor+http: are apt methods it does not know). */
static int
fetchable(const char *u, size_t len)
{
	static const char *const schemes[] = { "http://", "https://",
					       "ftp://", "file:/" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);

		if (len > n && strncasecmp(u, schemes[i], n) == 0)
			return 1;
	}
	return 0;
}

static int
same(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

/* Next whitespace-separated token in [*p, end); 0 when there is none. */
static int
token(const char **p, const char *end, const char **tok, size_t *tlen)
{
	const char *s = *p;

	while (s < end && is_ws(*s))
		s++;
	if (s == end)
		return 0;
	*tok = s;
	while (s < end && !is_ws(*s))
		s++;
	*tlen = (size_t)(s - *tok);
	*p = s;
	return 1;
}

static int
has_token(const char *list, size_t len, const char *want)
{
	const char *p = list, *t;
	size_t tl;

	while (token(&p, list + len, &t, &tl))
		if (same(t, tl, want))
			return 1;
	return 0;
}

static int
dup_out(const char *s, size_t len, char **uri, struct sb_error **err)
{
	if (!(*uri = strndup(s, len)))
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}

/* "deb [ opt=v ... ] URI SUITE [COMPONENT...]": 1 and the URI when the
 * line is a deb entry for suite. */
static int
oneline_match(const char *p, const char *end, const char *suite,
	      const char **u, size_t *ulen)
{
	const char *t, *hash = memchr(p, '#', (size_t)(end - p));
	size_t tl;

	if (hash)
		end = hash;
	if (!token(&p, end, &t, &tl) || !same(t, tl, "deb"))
		return 0;
	while (p < end && is_ws(*p))
		p++;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close)
			return 0;
		p = close + 1;
	}
	if (!token(&p, end, u, ulen) || !token(&p, end, &t, &tl))
		return 0;
	return same(t, tl, suite) && fetchable(*u, *ulen);
}

static int
parse_oneline(const char *text, size_t len, const char *suite, char **uri,
	      struct sb_error **err)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *u;
		size_t ul;

		if (oneline_match(p, e, suite, &u, &ul))
			return dup_out(u, ul, uri, err);
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* One deb822 stanza's fields of interest, continuation lines folded. */
struct stanza {
	struct sb_buf types, uris, suites, enabled;
	struct sb_buf *cur; /* the field a continuation line extends */
};

/* fn (sb_buf_reset or sb_buf_release) on each field. */
static void
stanza_each(struct stanza *s, void (*fn)(struct sb_buf *))
{
	fn(&s->types);
	fn(&s->uris);
	fn(&s->suites);
	fn(&s->enabled);
	s->cur = NULL;
}

/* apt's StringToBool: these mean no. */
static int
disabled(const struct sb_buf *b)
{
	static const char *const no[] = { "no", "false", "without", "off",
					  "disable", "0" };
	const char *p = b->data, *t;
	size_t tl;

	if (!p || !token(&p, b->data + b->len, &t, &tl))
		return 0;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (tl == strlen(no[i]) && strncasecmp(t, no[i], tl) == 0)
			return 1;
	return 0;
}

/* The stanza's first fetchable URI when it is an enabled deb source for
 * suite. */
static int
stanza_match(const struct stanza *s, const char *suite, const char **u,
	     size_t *ulen)
{
	const char *p;

	if (!s->types.data || !s->uris.data || !s->suites.data ||
	    !has_token(s->types.data, s->types.len, "deb") ||
	    !has_token(s->suites.data, s->suites.len, suite) ||
	    disabled(&s->enabled))
		return 0;
	p = s->uris.data;
	while (token(&p, s->uris.data + s->uris.len, u, ulen))
		if (fetchable(*u, *ulen))
			return 1;
	return 0;
}

static int
parse_deb822(const char *text, size_t len, const char *suite, char **uri,
	     struct sb_error **err)
{
	struct stanza s = { .types.max = SOURCES_FILE_MAX,
			    .uris.max = SOURCES_FILE_MAX,
			    .suites.max = SOURCES_FILE_MAX,
			    .enabled.max = SOURCES_FILE_MAX };
	const char *p = text, *end = text + len, *u;
	size_t ul;
	int r = 0;

	for (;;) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p))
					 : NULL;
		const char *e = nl ? nl : end, *q, *colon;
		int blank = 1;

		for (q = p; q < e; q++)
			if (!is_ws(*q))
				blank = 0;
		if (p >= end || blank) {
			/* End of a stanza (or of the text). */
			if (stanza_match(&s, suite, &u, &ul)) {
				r = dup_out(u, ul, uri, err);
				break;
			}
			stanza_each(&s, sb_buf_reset);
			if (p >= end)
				break;
		} else if (*p == '#') {
			/* A comment: the stanza goes on. */
		} else if (is_ws(*p)) {
			if (s.cur && (sb_buf_append(s.cur, " ", 1) < 0 ||
				      sb_buf_append(s.cur, p,
						    (size_t)(e - p)) < 0))
				s.cur = NULL; /* capped: drop the rest */
		} else if ((colon = memchr(p, ':', (size_t)(e - p)))) {
			size_t nlen = (size_t)(colon - p);

			s.cur = NULL;
			if (nlen == 5 && strncasecmp(p, "Types", 5) == 0)
				s.cur = &s.types;
			else if (nlen == 4 && strncasecmp(p, "URIs", 4) == 0)
				s.cur = &s.uris;
			else if (nlen == 6 && strncasecmp(p, "Suites", 6) == 0)
				s.cur = &s.suites;
			else if (nlen == 7 && strncasecmp(p, "Enabled", 7) == 0)
				s.cur = &s.enabled;
			if (s.cur) {
				sb_buf_reset(s.cur);
				if (sb_buf_append(s.cur, colon + 1,
						  (size_t)(e - colon - 1)) < 0)
					s.cur = NULL;
			}
		} else {
			s.cur = NULL;
		}
		p = nl ? nl + 1 : end;
	}
	stanza_each(&s, sb_buf_release);
	return r;
}

int
sb_aptsrc_parse(const char *text, size_t len, int deb822, const char *suite,
		char **uri, struct sb_error **err)
{
	*uri = NULL;
	if (!suite || !*suite)
		return 0;
	return deb822 ? parse_deb822(text, len, suite, uri, err)
		      : parse_oneline(text, len, suite, uri, err);
}

/* Parses one file; a missing file counts as no match. */
static int
scan_file(const char *path, int deb822, const char *suite, char **uri,
	  struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };

	if (sb_buf_read_file(path, SOURCES_FILE_MAX, &b) < 0) {
		if (errno == ENOENT)
			return 0;
		return sb_error_sys(err, "reading '%s'", path);
	}
	return sb_aptsrc_parse(b.data ? b.data : "", b.len, deb822, suite, uri,
			       err);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* apt reads only names made of these (see apt.conf(5), Dir::Ignore-Files
 * aside), so "foo.list.save" and "foo list.list" are skipped the same. */
static int
apt_name(const char *s)
{
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			"wxyz0123456789_-.")] == '\0';
}

static int
byname(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

char *
sb_aptsrc_mirror(const char *suite, struct sb_error **err)
{
	const char *root = sb_knobs_get()->apt_root;
	_cleanup_free_ char *path = NULL;
	struct dirent **ents = NULL;
	char *uri = NULL;
	int n, r;

	if (!suite || !*suite) {
		sb_error_set(err, SB_E_USAGE, "no suite given for the mirror");
		return NULL;
	}
	if (!root)
		root = "/etc/apt";
	if (asprintf(&path, "%s/sources.list", root) < 0) {
		path = NULL;
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	if (scan_file(path, 0, suite, &uri, err) < 0)
		return NULL;
	if (uri)
		return uri;
	free(path);
	if (asprintf(&path, "%s/sources.list.d", root) < 0) {
		path = NULL;
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	n = scandir(path, &ents, NULL, byname);
	r = 0;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		int list = ends_with(name, ".list");
		int sources = ends_with(name, ".sources");
		char *file = NULL;

		if (r == 0 && !uri && (list || sources) && apt_name(name)) {
			if (asprintf(&file, "%s/%s", path, name) < 0) {
				file = NULL;
				r = sb_error_set(err, SB_E_SYSTEM,
						 "out of memory");
			} else {
				r = scan_file(file, sources, suite, &uri, err);
			}
			free(file);
		}
		free(ents[i]);
	}
	free(ents);
	if (r < 0)
		return NULL;
	if (!uri)
		sb_error_set(err, SB_E_NOTFOUND,
			     "no apt source for %s in %s: pass --mirror URL",
			     suite, root);
	return uri;
}
