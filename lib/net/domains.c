#include "net/domains.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "net/egress.h"
#include "sys/fileio.h"
#include "sys/paths.h"
#include "sys/invoker.h"
#include "incus/instance.h"
#include "model/sandbox.h"

static char *
own_path(const char *name)
{
	char *p;

	if (asprintf(&p, SB_DOMAINS_DIR "/%s.txt", name) < 0)
		return NULL;
	return p;
}

int
sb_domains_get(struct sb_incus *c, const char *name, struct sb_allowlist *al,
	       char **source, int *restricted, struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = sb_sandbox_get(c, name, err);
	_cleanup_free_ char *home = sb_invoker_home();

	*source = NULL;
	if (!s)
		return -1;
	*restricted = s->restricted;
	*source = sb_allowlist_resolve(s->domains_file, home,
				       sb_paths_datadir());
	if (!*source)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return sb_allowlist_load(al, *source, err);
}

static int
contains(char *const *v, size_t n, const char *d)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], d) == 0)
			return 1;
	return 0;
}

/* One user-given domain, checked and normalised as a list line.  Returns
 * it (caller frees) or NULL with *err. */
static char *
parse_one(const char *flag, const char *d, struct sb_error **err)
{
	struct sb_allowlist one = { 0 };
	size_t n = strlen(d);
	char *r;

	if (!n || strchr(d, '\n') || strchr(d, '#')) {
		sb_error_set(err, SB_E_INPUT, "invalid domain '%s' for %s: one "
			     "name like example.com or .example.com is allowed",
			     d, flag);
		return NULL;
	}
	if (sb_allowlist_parse(&one, d, n, flag, err) < 0)
		return NULL;
	if (one.n != 1) {
		sb_allowlist_release(&one);
		sb_error_set(err, SB_E_INPUT, "invalid domain '%s' for %s", d,
			     flag);
		return NULL;
	}
	r = TAKE_PTR(one.domains[0]);
	sb_allowlist_release(&one);
	return r;
}

void
sb_domains_list_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int
sb_domains_apply(const char *name, char *const *cur, size_t ncur,
		 const char *const *add, size_t nadd,
		 const char *const *remove, size_t nremove, char ***out,
		 size_t *nout, struct sb_error **err)
{
	/* A copy to punch holes in: the caller's list stays whole, and every
	 * later lookup skips the holes. */
	char **v = calloc(ncur + nadd + 1, sizeof(*v));
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (!v)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < ncur; i++)
		if (cur[i] && !contains(v, n, cur[i]) &&
		    !(v[n++] = strdup(cur[i])))
			goto oom;
	/* Every name is checked before anything is written. */
	for (size_t i = 0; i < nremove; i++) {
		_cleanup_free_ char *d = parse_one("--remove", remove[i], err);

		if (!d)
			goto fail;
		if (!contains(cur, ncur, d)) {
			sb_error_set(err, SB_E_INPUT,
				     "'%s' is not in the list "
				     "of '%s' (see sandbox-domains %s --list)",
				     remove[i], name, name);
			goto fail;
		}
		for (size_t k = 0; k < n; k++)
			if (v[k] && strcmp(v[k], d) == 0) {
				free(v[k]);
				v[k] = NULL;
			}
	}
	for (size_t i = 0; i < nadd; i++) {
		_cleanup_free_ char *d = parse_one("--add", add[i], err);

		if (!d)
			goto fail;
		if (!contains(v, n, d))
			v[n++] = TAKE_PTR(d);
	}
	/* Close the holes. */
	*nout = 0;
	for (size_t k = 0; k < n; k++)
		if (v[k])
			v[(*nout)++] = v[k];
	*out = v;
	return 0;
oom:
	sb_error_set(err, SB_E_SYSTEM, "out of memory");
fail:
	sb_domains_list_free(v, n);
	return -1;
}

int
sb_domains_edit(struct sb_incus *c, const char *name,
		const char *const *add, size_t nadd,
		const char *const *remove, size_t nremove,
		struct sb_error **err)
{
	struct sb_allowlist cur = { 0 };
	_cleanup_free_ char *source = NULL, *path = own_path(name);
	_cleanup_buf_ struct sb_buf text = { 0 };
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	char **keep = NULL;
	size_t nkeep = 0;
	int restricted, ret = -1;

	if (!path) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		goto out;
	}
	if (sb_domains_get(c, name, &cur, &source, &restricted, err) < 0)
		goto out;
	if (!restricted) {
		sb_error_set(err, SB_E_INPUT,
			     "egress of '%s' is open, so a domain list has no "
			     "effect: make it with sandbox-start %s "
			     "--restrict-domains", name, name);
		goto out;
	}
	if (sb_domains_apply(name, cur.domains, cur.n, add, nadd, remove,
			     nremove, &keep, &nkeep, err) < 0)
		goto out;
	sb_buf_appendf(&text, "# Allowlist of sandbox %s, kept by "
		       "sandbox-domains (started from %s).\n", name, source);
	for (size_t i = 0; i < nkeep; i++)
		sb_buf_appendf(&text, "%s\n", keep[i]);
	if (sb_paths_mkdirs(SB_DOMAINS_DIR, 0755, err) < 0 ||
	    sb_fileio_write(path, text.data, text.len, 0644, err) < 0)
		goto out;
	if (strcmp(source, path) != 0) {
		_cleanup_json_ json_object *cfg = json_object_new_object();
		_cleanup_free_ char *inst = sb_name_instance(name);

		json_object_object_add(cfg, SB_KEY("domains-file"),
				       json_object_new_string(path));
		if (sb_instance_patch(c, inst, cfg, NULL, err) < 0) {
			unlink(path);
			goto out;
		}
	}
	/* A running sandbox's filter follows at once; a stopped one gets
	 * the list when it starts. */
	if (!(s = sb_sandbox_get(c, name, err)))
		goto out;
	if (s->running && sb_egress_apply(s, err) < 0)
		goto out;
	ret = 0;
out:
	sb_domains_list_free(keep, nkeep);
	sb_allowlist_release(&cur);
	return ret;
}

void
sb_domains_forget(const char *name)
{
	_cleanup_free_ char *p = own_path(name);

	if (p)
		unlink(p);
}
