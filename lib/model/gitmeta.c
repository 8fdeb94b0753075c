#include "model/gitmeta.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 1024

/* Printable ASCII without spaces: what a branch or a URL we show is. */
static int
token_ok(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

static size_t
line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? (size_t)(nl - p) : (size_t)(end - p);
}

char *
sb_gitmeta_branch(const char *head, size_t len)
{
	static const char ref[] = "ref: refs/heads/";
	const char *end = head + len;
	size_t n;

	if (!head)
		return NULL;
	n = line_len(head, end);
	if (n && head[n - 1] == '\r')
		n--;
	if (n > sizeof(ref) - 1 && memcmp(head, ref, sizeof(ref) - 1) == 0) {
		head += sizeof(ref) - 1;
		n -= sizeof(ref) - 1;
		return token_ok(head, n) && n <= VALUE_MAX ?
		       strndup(head, n) : NULL;
	}
	/* SHA-1 (40) or SHA-256 (64) object ids. */
	if (n != 40 && n != 64)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)head[i]))
			return NULL;
	return strndup(head, 12);
}

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* A section header line "[remote "origin"]": 1 when it is origin's, 0
 * when it is another section.  Section names are case-insensitive,
 * subsection names are not (git-config(1)). */
static int
is_origin_header(const char *p, const char *end)
{
	static const char want[] = "\"origin\"";

	p = skip_blank(p + 1, end);
	if (end - p < 6 || strncasecmp(p, "remote", 6) != 0)
		return 0;
	p = skip_blank(p + 6, end);
	if (end - p < (long)sizeof(want) - 1 ||
	    memcmp(p, want, sizeof(want) - 1) != 0)
		return 0;
	p = skip_blank(p + sizeof(want) - 1, end);
	return p < end && *p == ']';
}

/* The value after "url" on a line of origin's section, quotes removed;
 * NULL when the line is something else or the value is not one plain
 * token. */
static char *
url_value(const char *p, const char *end)
{
	char v[VALUE_MAX + 1];
	size_t n = 0;
	int quoted = 0;

	p = skip_blank(p, end);
	if (end - p < 3 || strncasecmp(p, "url", 3) != 0)
		return NULL;
	p = skip_blank(p + 3, end);
	if (p >= end || *p != '=')
		return NULL;
	p = skip_blank(p + 1, end);
	for (; p < end; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (*p == '#' || *p == ';' || *p == ' ' ||
				*p == '\t' || *p == '\r'))
			break;
		/* Escapes and continuation lines: not worth trusting. */
		if (*p == '\\' || n == VALUE_MAX)
			return NULL;
		v[n++] = *p;
	}
	if (quoted || !token_ok(v, n))
		return NULL;
	return strndup(v, n);
}

char *
sb_gitmeta_origin(const char *config, size_t len)
{
	const char *p = config, *end;
	int in_origin = 0;

	if (!config)
		return NULL;
	end = config + len;
	while (p < end) {
		size_t n = line_len(p, end);
		const char *s = skip_blank(p, p + n);

		if (s < p + n && *s == '[') {
			in_origin = is_origin_header(s, p + n);
		} else if (in_origin) {
			char *url = url_value(s, p + n);

			if (url)
				return url;
		}
		if ((size_t)(end - p) <= n)
			break;
		p += n + 1;
	}
	return NULL;
}
