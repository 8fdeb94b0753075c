/* sandbox-setup's whole run, step by step (see ops/setup_run.h). */
#include "ops/setup_run.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/progress.h"
#include "model/sandbox.h"
#include "net/egress.h"

/* REMOTE:ALIAS, as incus names an image on an image server. */
static int
base_ok(const char *base)
{
	const char *colon = strchr(base, ':');

	return colon && colon != base && colon[1] &&
	       strspn(base, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       (size_t)(colon - base) &&
	       strspn(colon + 1, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") ==
		       strlen(colon + 1);
}

static int
mirror_ok(const char *m)
{
	const char *host = NULL;

	if (strncmp(m, "http://", 7) == 0)
		host = m + 7;
	else if (strncmp(m, "https://", 8) == 0)
		host = m + 8;
	else if (strncmp(m, "file:///", 8) == 0)
		host = "local";
	for (const char *p = m; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return host && *host && *host != '/';
}

static int
pool_size_ok(const char *size)
{
	static const char *const units[] = { "B",   "kB",  "MB",  "GB", "TB",
					     "KiB", "MiB", "GiB", "TiB" };
	size_t n = strspn(size, "0123456789");

	for (size_t i = 0; n && n < 16 && size[0] != '0' &&
			   i < sizeof(units) / sizeof(units[0]);
	     i++)
		if (strcmp(size + n, units[i]) == 0)
			return 1;
	return 0;
}

/* The values given for options that take a free-form value, each
 * checked before anything changes. */
static int
check_values(const struct sb_setup_run_opts *o, struct sb_error **err)
{
	const struct {
		const char *option, *value;
		int (*ok)(const char *);
		const char *allowed;
	} checks[] = {
		{ "--base", o->golden.base, base_ok,
		  "debootstrap or REMOTE:ALIAS (e.g. images:debian/12) is "
		  "allowed" },
		{ "--mirror", o->golden.mirror, mirror_ok,
		  "an http://, https:// or file:/// URL is allowed" },
		{ "--pool-size", o->setup.pool_size, pool_size_ok,
		  "a size like 30GiB is allowed" },
	};

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (checks[i].value && !checks[i].ok(checks[i].value))
			return sb_error_invalid(err, checks[i].option,
						checks[i].value,
						checks[i].allowed);
	return 0;
}

int
sb_setup_run_check(struct sb_setup_run_opts *o, struct sb_error **err)
{
	struct sb_golden_opts *g = &o->golden;

	if (o->stack && strcmp(o->stack, "all") != 0 &&
	    (sb_stack_check(o->stack, err) < 0 ||
	     sb_golden_stack_known(o->stack, err) < 0))
		return -1;
	if (g->release && sb_golden_release_check(g->release, err) < 0)
		return -1;
	if (g->base && strcmp(g->base, "debootstrap") == 0)
		g->base = NULL;
	return check_values(o, err);
}

static int
build(struct sb_incus *c, const char *what, int rebuild,
      const struct sb_golden_opts *g, int *changed, struct sb_error **err)
{
	size_t n = 0;
	char **v;
	int ret, built = 0;

	if (strcmp(what, "all") != 0) {
		if (sb_golden_ensure(c, what, g, rebuild, &built, err) < 0)
			return -1;
		if (!built)
			sb_report_note(g->progress, "%s%s/ready: found",
				       sb_golden_prefix(), what);
		*changed |= built;
		return 0;
	}
	if (!(v = sb_golden_stacks(&n, err)))
		return -1;
	/* Stacks spend their time waiting on the archive and the registry,
	 * so several at once pay off even on two cores. */
	ret = sb_golden_ensure_many(c, (const char *const *)v, n, g, rebuild, 4,
				    &built, err);
	*changed |= built;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return ret;
}

static int
steps(struct sb_incus *c, const struct sb_setup_run_opts *o,
      struct sb_setup_report *rep, struct sb_error **err)
{
	const struct sb_progress *p = o->golden.progress;
	_cleanup_free_ char *note = NULL;
	int changed = 0;

	if (sb_setup_host_limits(rep, err) < 0 ||
	    sb_setup_daemon(c, rep, err) < 0 ||
	    sb_setup_incus(c, &o->setup, rep, err) < 0)
		return -1;
	for (int i = 0; i < rep->n; i++)
		sb_report_note(p, "%s", rep->lines[i]);
	changed |= rep->changed;
	sb_setup_report_release(rep);
	if (sb_egress_setup(err) < 0)
		return -1;
	sb_report_note(p, "%s", sb_egress_summary());
	if (build(c, o->stack ? o->stack : "base", o->rebuild, &o->golden,
		  &changed, err) < 0)
		return -1;
	if (!changed)
		sb_report_note(p, "nothing to do: everything was already "
				  "set up");
	note = sb_golden_release_note(c, &o->golden);
	if (note)
		sb_report_note(p, "%s", note);
	return 0;
}

int
sb_setup_run(struct sb_incus *c, const struct sb_setup_run_opts *o,
	     struct sb_error **err)
{
	struct sb_setup_report rep = { 0 };
	int rc = steps(c, o, &rep, err);

	if (rc < 0)
		for (int i = 0; i < rep.n; i++)
			sb_report_note(o->golden.progress, "%s", rep.lines[i]);
	sb_setup_report_release(&rep);
	return rc;
}
