/* sandbox-start: restart-or-create with an undo path.  See start.h for the
 * order of steps.  Every step that changes the world is undone, in
 * reverse, when a later one fails, so a failed start leaves no instance,
 * device, key, agent or rule behind.  This file decides which way to go
 * (and clears what an interrupted start left); start_create.c and
 * start_restart.c are the two ways. */
#include "ops/start.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/text.h"
#include "creds/creds.h"
#include "incus/instance.h"
#include "model/envstore.h"
#include "net/egress.h"
#include "ops/start_internal.h"
#include "sys/clock.h"
#include "sys/invoker.h"

/* The environment for /etc/profile.d/sandbox-env.sh: ~/.sandbox/env, then
 * what the sandbox keeps (stored, with --env and --unset-env applied) on
 * top; *keep is the new user.sandbox.env (see envstore.h). */
static int
load_env(const struct sb_start_opts *o, const char *stored,
	 struct sb_env *env, char **keep, struct sb_error **err)
{
	_cleanup_free_ char *home = sb_invoker_home();
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/.sandbox/env", home) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return sb_envstore_compose(path, stored, o->env, o->nenv,
				   o->unset_env, o->nunset_env, env, keep, err);
}

/* What a start that was killed (or whose daemon died) left behind: the
 * instance still carries the creating mark of a process that is gone.
 * Removes it with its key, agent and rules so the start can begin again.
 * Refuses while the creating process still runs. */
static int
clear_leftover(struct sb_incus *c, struct sb_sandbox *s,
	       const struct sb_progress *pr, struct sb_error **err)
{
	_cleanup_free_ char *left = NULL;

	if (sb_clock_token_alive(s->creating))
		return sb_error_set(err, SB_E_EXISTS,
				    "sandbox '%s' is being created by another "
				    "sandbox-start (process %.*s): wait for it",
				    s->name, (int)strcspn(s->creating, ":"),
				    s->creating);
	sb_report_note(pr, "%s: removing what an interrupted start left behind",
		       s->name);
	sb_creds_stop(s->name);
	sb_creds_remove(s, &left);
	if (left)
		sb_report_note(pr, "%s", left);
	if (sb_instance_delete(c, s->instance, err) < 0)
		return -1;
	/* Only once it is gone: a sandbox never runs without its rules. */
	sb_egress_remove(s->name, s->fixed_ipv4);
	return 0;
}

int
sb_start(struct sb_incus *c, const struct sb_start_opts *o,
	 struct sb_start_result *res, struct sb_error **err)
{
	_cleanup_free_ char *inst = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	struct sb_env env = { 0 };
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	char *keep = NULL;
	long want_slot = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (sb_name_check(o->name, err) < 0 ||
	    (o->from && sb_name_check(o->from, err) < 0) ||
	    (o->stack && sb_stack_check(o->stack, err) < 0) ||
	    sb_start_limits_check(o, err) < 0)
		return -1;
	/* Checked here, before anything (a GitHub key) is made. */
	if (o->slot && sb_parse_int(o->slot, SB_SLOT_MIN, SB_SLOT_MAX, "slot",
				    &want_slot, err) < 0)
		return -1;
	if (o->from && strcmp(o->from, o->name) == 0)
		return sb_error_set(err, SB_E_INPUT,
				    "--from '%s' names the sandbox being made",
				    o->from);
	inst = sb_name_instance(o->name);
	s = sb_sandbox_get(c, o->name, &e);
	if (!s && !sb_error_is(e, SB_E_NOTFOUND)) {
		sb_error_pass(err, &e);
		return -1;
	}
	/* Bad --env or --unset-env is refused here, before anything
	 * changes; a leftover's kept environment is not carried over. */
	if (load_env(o, s && !s->creating ? s->env_json : NULL, &env, &keep,
		     err) < 0) {
		ret = -1;
	} else if (s && s->creating) {
		ret = clear_leftover(c, s, sb_start_steps(o), err);
		if (ret == 0)
			ret = sb_start_create(c, o, (int)want_slot, inst, &env,
					      keep, res, err);
	} else if (s) {
		ret = sb_start_restart(c, o, &s, &env, keep, res, err);
	} else {
		ret = sb_start_create(c, o, (int)want_slot, inst, &env, keep,
				      res, err);
	}
	sb_env_release(&env);
	sb_text_wipe(keep);
	return ret;
}

void
sb_start_result_release(struct sb_start_result *r)
{
	SB_FREE_MANY(r->stack, r->egress, r->repo, r->branch, r->identity,
		     r->warning);
	memset(r, 0, sizeof(*r));
}
