/* Stacks: finding NAME.sh in the user's, the machine's and the shipped
 * directories, and reading the parent a script names. */
#include "model/stack.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/fileio.h"
#include "sys/paths.h"
#include "sys/invoker.h"
#include "model/sandbox.h"

#define HEADER_MAX 4096

int
sb_stack_parse_header(const char *text, size_t len, char **parent,
		      struct sb_error **err)
{
	const char *p = text, *end;
	char *found = NULL;

	*parent = NULL;
	if (len > HEADER_MAX)
		len = HEADER_MAX;
	end = text + len;
	while (p < end && *p == '#') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p + 1;
		size_t n;

		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(le - q) >= 7 && memcmp(q, "parent:", 7) == 0) {
			q += 7;
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			n = (size_t)(le - q);
			while (n && (q[n - 1] == ' ' || q[n - 1] == '\t' ||
				     q[n - 1] == '\r'))
				n--;
			if (found) {
				free(found);
				return sb_error_set(err, SB_E_INPUT,
					"more than one '# parent:' line");
			}
			if (memchr(q, '\0', n) || !(found = strndup(q, n)))
				return sb_error_set(err, SB_E_INPUT,
					"invalid '# parent:' line");
			if (sb_stack_check(found, err) < 0) {
				free(found);
				return sb_error_prefix(err, "'# parent:' line");
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*parent = found;
	return 0;
}

const char *
sb_stack_origin_name(int origin)
{
	switch (origin) {
	case SB_STACK_USER: return "user";
	case SB_STACK_SYSTEM: return "system";
	default: return "shipped";
	}
}

/* The three directories, most specific first; NULL entries are skipped.
 * Caller frees each. */
static void
stack_dirs(char *dirs[3])
{
	_cleanup_free_ char *home = sb_invoker_home();

	dirs[SB_STACK_SHIPPED] = NULL;
	dirs[SB_STACK_SYSTEM] = NULL;
	dirs[SB_STACK_USER] = NULL;
	if (home && asprintf(&dirs[SB_STACK_USER], "%s/.sandbox/stacks",
			     home) < 0)
		dirs[SB_STACK_USER] = NULL;
	if (asprintf(&dirs[SB_STACK_SYSTEM], "%s/stacks.d",
		     sb_paths_datadir()) < 0)
		dirs[SB_STACK_SYSTEM] = NULL;
	if (asprintf(&dirs[SB_STACK_SHIPPED], "%s/stacks", sb_paths_datadir()) <
	    0)
		dirs[SB_STACK_SHIPPED] = NULL;
}

static void
free_dirs(char *dirs[3])
{
	for (int i = 0; i < 3; i++)
		free(dirs[i]);
}

void
sb_stack_release(struct sb_stack *s)
{
	if (!s)
		return;
	SB_FREE_MANY(s->name, s->path, s->parent, s->overrides);
	memset(s, 0, sizeof(*s));
}

void
sb_stack_list_free(struct sb_stack *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		sb_stack_release(&v[i]);
	free(v);
}

/* Reads the header of a script about to be trusted.  The script runs as
 * root in every golden image built from it, so one that anybody but its
 * owner or root may change is refused, in signify's manner. */
static int
read_header(const char *path, char **parent, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };
	struct stat st;

	if (stat(path, &st) < 0)
		return sb_error_sys(err, "reading %s", path);
	if (!S_ISREG(st.st_mode))
		return sb_error_set(err, SB_E_INPUT, "%s is not a regular file",
				    path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return sb_error_set(err, SB_E_PERM,
				    "%s is writable by others: chmod go-w it",
				    path);
	if (sb_fileio_read(path, 1 << 20, &b, err) < 0)
		return -1;
	if (sb_stack_parse_header(b.data ? b.data : "", b.len, parent, err) < 0)
		return sb_error_prefix(err, "%s", path);
	return 0;
}

/* Fills out from the first directory holding NAME.sh; 0 when none. */
static int
locate(const char *name, char *dirs[3], struct sb_stack *out)
{
	static const int order[] = { SB_STACK_USER, SB_STACK_SYSTEM,
				     SB_STACK_SHIPPED };

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < 3; i++) {
		int o = order[i];
		char *p;
		struct stat st;

		if (!dirs[o] || asprintf(&p, "%s/%s.sh", dirs[o], name) < 0)
			continue;
		if (stat(p, &st) < 0) {
			free(p);
			continue;
		}
		if (!out->path) {
			out->path = p;
			out->origin = o;
		} else if (!out->overrides) {
			out->overrides = p;
		} else {
			free(p);
		}
	}
	if (!out->path)
		return 0;
	out->name = strdup(name);
	return 1;
}

int
sb_stack_find(const char *name, struct sb_stack *out, struct sb_error **err)
{
	char *dirs[3];
	int found;

	memset(out, 0, sizeof(*out));
	if (sb_stack_check(name, err) < 0)
		return -1;
	stack_dirs(dirs);
	found = locate(name, dirs, out);
	free_dirs(dirs);
	if (!found) {
		size_t n = 0;
		struct sb_stack *v = sb_stack_list(&n, SB_IGNORE);
		_cleanup_buf_ struct sb_buf list = { 0 };

		for (size_t i = 0; i < n; i++)
			sb_buf_appendf(&list, "%s%s", i ? ", " : "", v[i].name);
		sb_stack_list_free(v, n);
		sb_error_set(err, SB_E_NOTFOUND,
			     "unknown stack '%s': available stacks are %s "
			     "(or add ~/.sandbox/stacks/%s.sh)",
			     name, list.data ? list.data : "none", name);
		return -1;
	}
	if (read_header(out->path, &out->parent, err) < 0) {
		sb_stack_release(out);
		return -1;
	}
	if (strcmp(name, "base") == 0) {
		if (out->parent) {
			sb_stack_release(out);
			return sb_error_set(err, SB_E_INPUT,
					    "stack base cannot have a parent");
		}
	} else if (!out->parent && !(out->parent = strdup("base"))) {
		sb_stack_release(out);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	return 0;
}

int
sb_stack_check_chain(const char *name, struct sb_error **err)
{
	_cleanup_free_ char *cur = strdup(name);
	_cleanup_buf_ struct sb_buf chain = { 0 };
	int depth = 0, ret = 0;

	while (cur && ret == 0) {
		struct sb_stack s;

		if (sb_stack_find(cur, &s, err) < 0) {
			ret = -1;
			break;
		}
		sb_buf_appendf(&chain, "%s%s", depth ? " <- " : "", cur);
		free(cur);
		cur = TAKE_PTR(s.parent);
		sb_stack_release(&s);
		if (cur && ++depth >= SB_STACK_DEPTH)
			ret = sb_error_set(err, SB_E_INPUT,
					   "stack '%s': parents loop or go "
					   "deeper than %d (%s <- %s ...)",
					   name, SB_STACK_DEPTH, chain.data,
					   cur);
	}
	return ret;
}

static int
cmp_stack(const void *a, const void *b)
{
	const struct sb_stack *x = a, *y = b;

	if (strcmp(x->name, "base") == 0)
		return -1;
	if (strcmp(y->name, "base") == 0)
		return 1;
	return strcmp(x->name, y->name);
}

static int
listed(const struct sb_stack *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return 1;
	return 0;
}

struct sb_stack *
sb_stack_list(size_t *n, struct sb_error **err)
{
	char *dirs[3];
	struct sb_stack *v = NULL;
	size_t cap = 0;

	*n = 0;
	stack_dirs(dirs);
	for (int o = 0; o < 3; o++) {
		DIR *d = dirs[o] ? opendir(dirs[o]) : NULL;
		struct dirent *e;

		if (!d) {
			if (o == SB_STACK_SHIPPED) {
				sb_error_sys(err, "reading %s",
					     dirs[o] ? dirs[o] : "stacks");
				free_dirs(dirs);
				return NULL;
			}
			continue;
		}
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			_cleanup_free_ char *name = NULL;
			struct sb_stack s;

			if (l < 4 || strcmp(e->d_name + l - 3, ".sh") != 0 ||
			    e->d_name[0] == '.')
				continue;
			name = strndup(e->d_name, l - 3);
			if (!name || sb_stack_check(name, SB_IGNORE) < 0 ||
			    listed(v, *n, name) || !locate(name, dirs, &s))
				continue;
			if (*n == cap) {
				struct sb_stack *nv;

				cap = cap ? cap * 2 : 16;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					sb_stack_release(&s);
					break;
				}
				v = nv;
			}
			if (read_header(s.path, &s.parent, SB_IGNORE) == 0 &&
			    !s.parent && strcmp(name, "base") != 0)
				s.parent = strdup("base");
			v[(*n)++] = s;
		}
		closedir(d);
	}
	free_dirs(dirs);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_stack);
	else
		v = calloc(1, sizeof(*v));
	return v;
}
