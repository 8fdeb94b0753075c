/* sandbox-nuke: every agent-* and golden-* instance, and what the toolkit
 * made for them.  Goes on past single failures. */
#include "ops/nuke.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/cache.h"
#include "core/cleanup.h"
#include "incus/instance.h"
#include "ops/stop.h"
#include "model/sandbox.h"
#include "sys/knobs.h"

int
sb_nuke_targets(struct sb_incus *c, char ***names, size_t *n,
		struct sb_error **err)
{
	_cleanup_json_ json_object *arr = sb_incus_get(c, "/1.0/instances",
						       NULL, err);
	const char *only = sb_knobs_get()->nuke_only;
	char **v;
	size_t k = 0;

	*names = NULL;
	*n = 0;
	if (!arr)
		return -1;
	v = calloc(sb_json_array_len(arr) + 1, sizeof(*v));
	if (!v)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < sb_json_array_len(arr); i++) {
		const char *url = json_object_get_string(
			json_object_array_get_idx(arr, i));
		const char *nm = url ? strrchr(url, '/') : NULL;

		if (!nm++)
			continue;
		/* Tests on a shared daemon narrow the sweep to their own
		 * names (SANDBOX_NUKE_ONLY=prefix); users never need it. */
		if (only && strncmp(nm, only, strlen(only)) != 0)
			continue;
		if (strncmp(nm, SB_PREFIX, strlen(SB_PREFIX)) == 0 ||
		    strncmp(nm, SB_GOLDEN_PREFIX, strlen(SB_GOLDEN_PREFIX)) == 0)
			v[k++] = strdup(nm);
	}
	*names = v;
	*n = k;
	return 0;
}

int
sb_nuke_caches(struct sb_incus *c, int *removed, struct sb_error **err)
{
	const char *only = sb_knobs_get()->nuke_only;

	*removed = 0;
	if (only)
		return 0;
	return sb_cache_remove_all(c, removed, err);
}

int
sb_nuke_one(struct sb_incus *c, const char *instance, char **left,
	    struct sb_error **err)
{
	const char *name = sb_name_from_instance(instance);

	*left = NULL;
	if (name)
		return sb_stop(c, name, 1, 0, left, err);
	return sb_instance_delete(c, instance, err);
}
