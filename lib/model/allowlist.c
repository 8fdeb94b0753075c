/* Allowlist parsing, matching and resolution.
 *
 * The checks refuse, with the reason, each thing people try to put in a
 * domain list that a DNS-name ACL cannot honour: wildcards, IP addresses,
 * ports, URLs, raw unicode.  Refusing beats silently never matching. */
#include "core/text.h"
#include "model/allowlist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/userfile.h"

#define ALLOWLIST_FILE_MAX ((size_t)4 << 20)
#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
#define SHOW_MAX 80

#ifndef SB_DATADIR
#define SB_DATADIR "/usr/local/share/sandbox"
#endif

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int
all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return len > 0;
}

/* Why name (lower case, NUL-terminated, leading dot removed) is not a
 * domain we accept, or NULL when it is one. */
static const char *
reject_reason(const char *name)
{
	size_t len = strlen(name), label = 0, labels = 0;
	const char *last;
	unsigned char a6[16];

	if (len == 0)
		return "empty name: write example.com or .example.com";
	if (strstr(name, "://") || strchr(name, '/') || strchr(name, '?'))
		return "URLs and paths are not allowed: write the host name "
		       "only, e.g. example.com";
	if (strchr(name, '*'))
		return "wildcards are not allowed: write .example.com to "
		       "allow example.com and all its subdomains";
	if (strchr(name, '[') || inet_pton(AF_INET6, name, a6) == 1)
		return "IP addresses are not allowed: write a domain name";
	if (strchr(name, ':'))
		return "ports are not allowed: write the host name only";
	if (strchr(name, '@'))
		return "user names are not allowed: write the host name only";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 0x80)
			return "non-ASCII names are not allowed: write the "
			       "punycode form (xn--...)";
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return "only letters, digits, hyphens and dots are "
			       "allowed";
	}
	if (len > NAME_MAX_LEN)
		return "longer than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			label++;
			continue;
		}
		if (label == 0)
			return "empty label: labels are separated by single "
			       "dots";
		if (label > LABEL_MAX_LEN)
			return "a label is longer than 63 characters";
		if (name[i - label] == '-' || name[i - 1] == '-')
			return "a label starts or ends with a hyphen";
		labels++;
		label = 0;
	}
	last = strrchr(name, '.');
	last = last ? last + 1 : name;
	/* All-numeric last labels are addresses in disguise: inet_aton
	 * takes "10.1" and "1.2.3.4" alike, and no TLD is numeric. */
	if (all_digits(last, strlen(last)))
		return "IP addresses are not allowed: write a domain name";
	if (labels < 2)
		return "a single label is not allowed: write a full name "
		       "such as example.com, or .example.com for its "
		       "subdomains too";
	return NULL;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is entry (maybe with a leading dot) covered by another, suffix entry?
 * ".a.b.c" is covered by ".b.c" or ".c"; "a.b.c" by those or ".a.b.c". */
static int
covered(const char *entry, char **suffixes, size_t ns)
{
	const char *name = entry[0] == '.' ? entry + 1 : entry;
	char dotted[NAME_MAX_LEN + 3];
	const char *key = dotted;

	if (entry[0] != '.') {
		snprintf(dotted, sizeof(dotted), ".%s", name);
		if (bsearch(&key, suffixes, ns, sizeof(*suffixes), cmp_str))
			return 1;
	}
	/* Each dot inside name starts a proper suffix in ".Y" form. */
	for (key = strchr(name, '.'); key; key = strchr(key + 1, '.'))
		if (bsearch(&key, suffixes, ns, sizeof(*suffixes), cmp_str))
			return 1;
	return 0;
}

struct ranked {
	const char *s;
	size_t i;
};

static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Drops duplicates and entries covered by a suffix entry, keeping file
 * order.  Sorting keeps this O(n log n) for fuzzer-sized inputs.  Fails
 * only when out of memory, with v untouched. */
static int
normalize(char **v, size_t *n)
{
	_cleanup_free_ char **suffixes = NULL;
	_cleanup_free_ struct ranked *r = NULL;
	_cleanup_free_ unsigned char *drop = NULL;
	size_t ns = 0, out = 0;

	if (*n < 2)
		return 0;
	suffixes = malloc(*n * sizeof(*suffixes));
	r = malloc(*n * sizeof(*r));
	drop = calloc(*n, 1);
	if (!suffixes || !r || !drop)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if (v[i][0] == '.')
			suffixes[ns++] = v[i];
		r[i] = (struct ranked){ v[i], i };
	}
	qsort(suffixes, ns, sizeof(*suffixes), cmp_str);
	qsort(r, *n, sizeof(*r), cmp_ranked);
	for (size_t i = 1; i < *n; i++)
		if (strcmp(r[i].s, r[i - 1].s) == 0)
			drop[r[i].i] = 1; /* a later copy */
	for (size_t i = 0; i < *n; i++)
		if (!drop[i] && covered(v[i], suffixes, ns))
			drop[i] = 1;
	for (size_t i = 0; i < *n; i++) {
		if (drop[i])
			free(v[i]);
		else
			v[out++] = v[i];
	}
	*n = out;
	return 0;
}

/* Narrows [*a, *b) to the line's entry: no comment, no surrounding
 * whitespace.  A comment starts at a '#' opening the line or following
 * whitespace; "host#x" is a bad name, not a comment. */
static void
trim_line(const char **a, const char **b)
{
	for (const char *c = *a; c < *b; c++)
		if (*c == '#' && (c == *a || is_space(c[-1]))) {
			*b = c;
			break;
		}
	while (*a < *b && is_space(**a))
		(*a)++;
	while (*b > *a && is_space((*b)[-1]))
		(*b)--;
}

/* The entry [a, b) as it is kept: lower case, without a trailing dot.
 * NULL with *why set when it is not a domain, with *why NULL when out of
 * memory. */
static char *
entry(const char *a, const char *b, const char **why)
{
	char *d;

	*why = NULL;
	if (memchr(a, '\0', (size_t)(b - a))) {
		*why = "contains a NUL byte";
		return NULL;
	}
	if ((size_t)(b - a) > NAME_MAX_LEN + 2) {
		*why = "longer than 253 characters";
		return NULL;
	}
	d = strndup(a, (size_t)(b - a));
	if (!d)
		return NULL;
	for (char *c = d; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	/* "example.com." is the same name written fully qualified. */
	if (strlen(d) > 1 && d[strlen(d) - 1] == '.' && d[strlen(d) - 2] != '.')
		d[strlen(d) - 1] = '\0';
	*why = reject_reason(d[0] == '.' ? d + 1 : d);
	if (*why) {
		free(d);
		return NULL;
	}
	return d;
}

int
sb_allowlist_parse(struct sb_allowlist *al, const char *text, size_t len,
		   const char *fname, struct sb_error **err)
{
	char **v = NULL;
	size_t n = 0, lineno = 0;
	const char *p = text, *end = text + len;
	char *source;

	if (!fname)
		fname = "allowlist";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *a = p, *b = nl ? nl : end;
		char shown[SHOW_MAX * 4 + 8];
		const char *why;
		char *d, **nv;

		lineno++;
		p = nl ? nl + 1 : end;
		trim_line(&a, &b);
		if (a == b)
			continue;
		d = entry(a, b, &why);
		if (!d && !why)
			goto oom;
		if (!d) {
			sb_text_show(shown, sizeof(shown), a, (size_t)(b - a),
				     SHOW_MAX);
			free_list(v, n);
			return sb_error_set(err, SB_E_INPUT,
					    "%s:%zu: invalid domain '%s': %s",
					    fname, lineno, shown, why);
		}
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(d);
			goto oom;
		}
		v = nv;
		v[n++] = d;
	}
	if (normalize(v, &n) < 0 || !(source = strdup(fname)))
		goto oom;
	sb_allowlist_release(al);
	al->domains = v;
	al->n = n;
	al->source = source;
	return 0;
oom:
	free_list(v, n);
	return sb_error_set(err, SB_E_SYSTEM, "out of memory");
}

int
sb_allowlist_load(struct sb_allowlist *al, const char *path,
		  struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };

	/* ~/.sandbox/allowed-domains.txt or --domains-file are the user's
	 * to name: read with their rights under sudo.  The toolkit's own
	 * lists are world-readable, so the same rule serves them. */
	if (sb_userfile_read(path, ALLOWLIST_FILE_MAX, &b) < 0)
		return sb_error_sys(err, "reading allowlist '%s'", path);
	return sb_allowlist_parse(al, b.data ? b.data : "", b.len, path, err);
}

char *
sb_allowlist_resolve(const char *domains_file, const char *home,
		     const char *datadir)
{
	char *p = NULL;
	struct stat st;

	if (domains_file)
		return strdup(domains_file);
	if (home && *home) {
		if (asprintf(&p, "%s/.sandbox/allowed-domains.txt", home) < 0)
			return NULL;
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	if (asprintf(&p, "%s/allowlists/default.txt",
		     datadir ? datadir : SB_DATADIR) < 0)
		return NULL;
	return p;
}

void
sb_allowlist_release(struct sb_allowlist *al)
{
	free_list(al->domains, al->n);
	free(al->source);
	*al = (struct sb_allowlist){ 0 };
}
