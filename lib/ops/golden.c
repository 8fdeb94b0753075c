/* Golden images by name: the prefix in use, a stack's build log, whether
 * golden-STACK/ready exists, and building golden-STACK (its parents
 * first) from its base or parent and its script. */
#include "ops/golden.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/text.h"
#include "incus/instance.h"
#include "model/sandbox.h"
#include "ops/golden_internal.h"
#include "sys/clock.h"
#include "sys/knobs.h"
#include "sys/paths.h"
#include "sys/signals.h"

const char *
sb_golden_log_path(const char *stack)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), SB_LOG_DIR "/%s%s.log", sb_golden_prefix(),
		 stack);
	return p;
}

const char *
sb_golden_prefix(void)
{
	const char *p = sb_knobs_get()->golden_prefix;
	size_t n;

	/* Only a short label, so that prefix + stack stays an instance name
	 * and the stack-name rule (sb_stack_check) still holds. */
	if (!p || !(n = strlen(p)) || n > strlen(SB_GOLDEN_PREFIX) ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
	    p[0] == '-')
		return SB_GOLDEN_PREFIX;
	return p;
}

char *
sb_golden_instance(const char *stack)
{
	return sb_text_fmt("%s%s", sb_golden_prefix(), stack);
}

int
sb_golden_ready(struct sb_incus *c, const char *stack, struct sb_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *m = NULL;

	if (asprintf(&path, "/1.0/instances/%s%s/snapshots/ready",
		     sb_golden_prefix(), stack) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	m = sb_incus_get(c, path, NULL, &e);
	if (m)
		return 1;
	if (sb_error_is(e, SB_E_NOTFOUND))
		return 0;
	return sb_error_pass(err, &e);
}

int
sb_golden_open_log(const char *stack, int append, struct sb_error **err)
{
	const char *path = sb_golden_log_path(stack);
	int fd;

	if (sb_paths_mkdirs(SB_LOG_DIR, 0755, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
		  (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0)
		return sb_error_sys(err, "opening %s", path);
	return fd;
}

/* Where golden-STACK comes from: a copy of golden-PARENT/ready, an image
 * from an image server, or our debootstrapped base image.  *release gets
 * the Debian release it carries, when known. */
static int
set_source(struct sb_incus *c, const struct sb_stack *st,
	   const struct sb_golden_opts *o, json_object *src, char **release,
	   struct sb_error **err)
{
	_cleanup_free_ char *from = NULL;
	char alias[96];

	if (st->parent) {
		if (asprintf(&from, "%s%s/ready", sb_golden_prefix(),
			     st->parent) < 0)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		json_object_object_add(src, "type",
				       json_object_new_string("copy"));
		json_object_object_add(src, "source",
				       json_object_new_string(from));
		*release = sb_golden_image_release(c, st->parent);
		return 0;
	}
	if (o->base)
		return sb_golden_image_server_source(o->base, src, err);
	if (sb_golden_base_image(c, o, alias, sizeof(alias), err) < 0)
		return -1;
	json_object_object_add(src, "type", json_object_new_string("image"));
	json_object_object_add(src, "alias", json_object_new_string(alias));
	*release = strdup(sb_golden_release(o));
	return 0;
}

/* The body that creates golden-STACK (inst) and starts it (caller puts),
 * or NULL. */
static json_object *
create_body(struct sb_incus *c, const struct sb_stack *st,
	    const struct sb_golden_opts *o, const char *inst,
	    struct sb_error **err)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_free_ char *release = NULL;
	json_object *src = json_object_new_object();
	json_object *cfg = json_object_new_object();
	json_object *profiles = json_object_new_array();

	json_object_object_add(body, "name", json_object_new_string(inst));
	json_object_object_add(body, "source", src);
	json_object_object_add(body, "config", cfg);
	json_object_object_add(body, "profiles", profiles);
	json_object_array_add(profiles, json_object_new_string(SB_PROFILE));
	/* Docker inside the sandboxes needs nesting. */
	json_object_object_add(cfg, "security.nesting",
			       json_object_new_string("true"));
	json_object_object_add(cfg, SB_KEY("golden"),
			       json_object_new_string(st->name));
	json_object_object_add(body, "start", json_object_new_boolean(1));
	if (set_source(c, st, o, src, &release, err) < 0)
		return NULL;
	json_object_object_add(cfg, SB_KEY("stack-origin"),
			       json_object_new_string(
				       sb_stack_origin_name(st->origin)));
	json_object_object_add(cfg, SB_KEY("stack-parent"),
			       json_object_new_string(st->parent ? st->parent :
						      ""));
	if (release)
		json_object_object_add(cfg, SB_KEY("release"),
				       json_object_new_string(release));
	return TAKE_PTR(body);
}

static int
build_one(struct sb_incus *c, const struct sb_stack *st,
	  const struct sb_golden_opts *o, struct sb_error **err)
{
	const struct sb_progress *pr = o->progress;
	const char *stack = st->name;
	_cleanup_free_ char *inst = sb_golden_instance(stack);
	_cleanup_free_ char *ip = NULL, *versions = NULL;
	_cleanup_json_ json_object *body = NULL, *r = NULL, *meta = NULL;
	double t0 = sb_clock_now();

	body = create_body(c, st, o, inst, err);
	if (!body)
		return -1;
	sb_report_begin(pr, "%s: creating and starting", inst);
	r = sb_incus_call(c, "POST", "/1.0/instances", body, NULL, err);
	if (!r) {
		sb_signals_arm(0);
		sb_report_end(pr, 0);
		/* A create that failed may still have left the instance. */
		sb_instance_delete(c, inst, SB_IGNORE);
		return sb_error_prefix(err, "creating %s", inst);
	}
	ip = sb_instance_wait_ipv4(c, inst, 60, err);
	if (!ip)
		goto fail;
	sb_report_begin(pr, "%s: running %s (log %s)", inst, st->path,
			sb_golden_log_path(stack));
	if (sb_golden_run_script(c, inst, st, pr, &versions, err) < 0)
		goto fail;
	sb_report_begin(pr, "%s: stopping and snapshotting as ready", inst);
	meta = json_object_new_object();
	json_object_object_add(meta, SB_KEY("versions"),
			       json_object_new_string(versions ? versions : ""));
	if (sb_instance_stop(c, inst, 60, err) < 0 ||
	    sb_instance_patch(c, inst, meta, NULL, err) < 0 ||
	    sb_instance_snapshot(c, inst, "ready", err) < 0)
		goto fail;
	sb_report_end(pr, 1);
	sb_report_note(pr, "%s/ready: built in %.0fs", inst,
		       sb_clock_now() - t0);
	return 0;
fail:
	sb_signals_arm(0);
	sb_report_end(pr, 0);
	/* No half-built golden image survives a failure. */
	sb_instance_delete(c, inst, SB_IGNORE);
	return sb_error_prefix(err, "building %s", inst);
}

static int
ensure_depth(struct sb_incus *c, const char *stack,
	     const struct sb_golden_opts *o, int rebuild, int *built,
	     int depth, struct sb_error **err)
{
	_cleanup_free_ char *inst = sb_golden_instance(stack);
	struct sb_stack st;
	int ready, ret = -1;

	if (depth > SB_STACK_DEPTH)
		return sb_error_set(err, SB_E_INPUT,
				    "stack '%s': parents loop or go deeper "
				    "than %d", stack, SB_STACK_DEPTH);
	if (sb_stack_find(stack, &st, err) < 0) {
		if (err && *err && (*err)->code == SB_E_NOTFOUND)
			(*err)->code = SB_E_INPUT;
		return -1;
	}
	if (st.parent) {
		int b = 0;

		if (ensure_depth(c, st.parent, o, 0, &b, depth + 1, err) < 0)
			goto out;
		*built |= b;
	}
	ready = sb_golden_ready(c, stack, err);
	if (ready < 0)
		goto out;
	if (ready && !rebuild) {
		ret = 0;
		goto out;
	}
	/* Without a ready snapshot an instance is a leftover; so is the
	 * old one on rebuild.  Sandboxes already cloned are independent. */
	if (sb_instance_delete(c, inst, err) < 0 ||
	    build_one(c, &st, o, err) < 0)
		goto out;
	*built = 1;
	ret = 0;
out:
	sb_stack_release(&st);
	return ret;
}

int
sb_golden_ensure(struct sb_incus *c, const char *stack,
		 const struct sb_golden_opts *o, int rebuild, int *built,
		 struct sb_error **err)
{
	*built = 0;
	return ensure_depth(c, stack, o, rebuild, built, 0, err);
}

const char *
sb_golden_release(const struct sb_golden_opts *o)
{
	return o && o->release ? o->release : SB_DEFAULT_RELEASE;
}

int
sb_golden_release_check(const char *release, struct sb_error **err)
{
	size_t n = strlen(release);

	if (n < 2 || n > 32 || strspn(release, "abcdefghijklmnopqrstuvwxyz") != n)
		return sb_error_invalid(err, "--release", release,
					"a Debian codename such as trixie or "
					"bookworm is allowed");
	return 0;
}
