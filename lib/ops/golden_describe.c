/* What is known of the stacks and their golden images: the stacks there
 * are, and each image's release, versions, origin and parent as recorded
 * in its config, for --list-stacks and the note on a base image made from
 * another release. */
#include "ops/golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "model/sandbox.h"
#include "ops/golden_internal.h"

char **
sb_golden_stacks(size_t *n, struct sb_error **err)
{
	struct sb_stack *v = sb_stack_list(n, err);
	char **names;

	if (!v)
		return NULL;
	names = calloc(*n + 1, sizeof(*names));
	for (size_t i = 0; names && i < *n; i++)
		names[i] = TAKE_PTR(v[i].name);
	sb_stack_list_free(v, *n);
	if (!names)
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return names;
}

int
sb_golden_stack_known(const char *stack, struct sb_error **err)
{
	if (sb_stack_check_chain(stack, err) < 0) {
		if (err && *err && (*err)->code == SB_E_NOTFOUND)
			(*err)->code = SB_E_INPUT;
		return -1;
	}
	return 1;
}

/* A golden image's config value (caller frees), or NULL. */
static char *
golden_config(struct sb_incus *c, const char *stack, const char *key)
{
	_cleanup_free_ char *inst = sb_golden_instance(stack), *path = NULL;
	_cleanup_json_ json_object *m = NULL;
	json_object *cfg;
	const char *v;

	if (!inst || asprintf(&path, "/1.0/instances/%s", inst) < 0)
		return NULL;
	m = sb_incus_get(c, path, NULL, SB_IGNORE);
	if (!m || !json_object_object_get_ex(m, "config", &cfg))
		return NULL;
	v = sb_json_str(cfg, key);
	return v && *v ? strdup(v) : NULL;
}

char *
sb_golden_image_release(struct sb_incus *c, const char *stack)
{
	char *r = golden_config(c, stack, SB_KEY("release"));

	/* Images built before releases were recorded carry the base
	 * image's own property, copied along into every stack. */
	return r ? r : golden_config(c, stack, "image.release");
}

static long long
parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return end ? (long long)timegm(&tm) : -1;
}

int
sb_golden_describe(struct sb_incus *c, const struct sb_stack *st,
		   struct sb_golden_info *out, struct sb_error **err)
{
	_cleanup_free_ char *inst = sb_golden_instance(st->name), *path = NULL;
	_cleanup_json_ json_object *snap = NULL;
	_cleanup_error_ struct sb_error *e = NULL;

	memset(out, 0, sizeof(*out));
	out->created = -1;
	if (!inst ||
	    asprintf(&path, "/1.0/instances/%s/snapshots/ready", inst) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	snap = sb_incus_get(c, path, NULL, &e);
	if (!snap) {
		if (e->code == SB_E_NOTFOUND)
			return 0;
		sb_error_pass(err, &e);
		return -1;
	}
	out->ready = 1;
	out->created = parse_time(sb_json_str(snap, "created_at"));
	out->release = sb_golden_image_release(c, st->name);
	out->versions = golden_config(c, st->name, SB_KEY("versions"));
	out->origin = golden_config(c, st->name, SB_KEY("stack-origin"));
	out->parent = golden_config(c, st->name, SB_KEY("stack-parent"));
	return 0;
}

void
sb_golden_info_release(struct sb_golden_info *g)
{
	free(g->release);
	free(g->versions);
	free(g->origin);
	free(g->parent);
	memset(g, 0, sizeof(*g));
}

char *
sb_golden_release_note(struct sb_incus *c, const struct sb_golden_opts *o)
{
	_cleanup_free_ char *have = NULL;
	const char *want = sb_golden_release(o);
	char *s;

	if (o && o->base)
		return NULL;
	have = sb_golden_image_release(c, "base");
	if (!have || strcmp(have, want) == 0)
		return NULL;
	if (asprintf(&s,
		     "%sbase is Debian %s, and new golden images are made "
		     "from %s%s.  Nothing was changed: sudo sandbox-setup "
		     "--rebuild all%s%s makes base and every stack again on %s "
		     "(sandboxes already made keep theirs)",
		     sb_golden_prefix(), have, want,
		     o && o->release ? "" : " by default now",
		     o && o->release ? " --release " : "",
		     o && o->release ? want : "", want) < 0)
		return NULL;
	return s;
}
