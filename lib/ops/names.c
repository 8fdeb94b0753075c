#include "ops/names.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "ops/golden.h"
#include "model/sandbox.h"

static int
push(char ***v, size_t *n, const char *s)
{
	char **nv;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	nv = realloc(*v, (*n + 2) * sizeof(**v));
	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	nv[++*n] = NULL;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	/* base first, as sandbox-setup --list-stacks shows it. */
	if (strcmp(x, "base") == 0)
		return -1;
	if (strcmp(y, "base") == 0)
		return 1;
	return strcmp(x, y);
}

char **
sb_names_list(struct sb_incus *c, int stacks, size_t *n,
	      struct sb_error **err)
{
	_cleanup_json_ json_object *arr = sb_incus_get(c, "/1.0/instances",
						       NULL, err);
	const char *prefix = stacks ? SB_GOLDEN_PREFIX : SB_PREFIX;
	char **v = calloc(1, sizeof(*v));

	*n = 0;
	if (!arr || !v)
		goto fail;
	if (stacks) {
		_cleanup_error_ struct sb_error *e = NULL;
		size_t k = 0;
		char **shipped = sb_golden_stacks(&k, &e);

		int bad = 0;

		for (size_t i = 0; i < k && !bad; i++)
			bad = push(&v, n, shipped[i]) < 0;
		sb_names_free(shipped, k);
		if (bad)
			goto fail;
	}
	for (size_t i = 0; i < sb_json_array_len(arr); i++) {
		const char *url = json_object_get_string(
			json_object_array_get_idx(arr, i));
		const char *base = url ? strrchr(url, '/') : NULL;
		const char *name;

		if (!base || strncmp(base + 1, prefix, strlen(prefix)) != 0)
			continue;
		name = base + 1 + strlen(prefix);
		/* A name Incus holds but we would refuse is not offered. */
		if (stacks ? sb_stack_check(name, SB_IGNORE) < 0 :
			     sb_name_check(name, SB_IGNORE) < 0)
			continue;
		if (push(&v, n, name) < 0)
			goto fail;
	}
	qsort(v, *n, sizeof(*v), cmp_name);
	return v;
fail:
	sb_names_free(v, *n);
	*n = 0;
	if (err && !*err)
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return NULL;
}

void
sb_names_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
