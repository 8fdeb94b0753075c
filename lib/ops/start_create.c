/* Creating a sandbox: the steps of sb_start_create, in order, and the one
 * undo path that takes back, in reverse, whatever of them was done.  See
 * start.h for the order. */
#include "ops/start_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "creds/creds.h"
#include "incus/instance.h"
#include "net/egress.h"
#include "ops/cache.h"
#include "ops/golden.h"
#include "ops/setup.h"
#include "sys/clock.h"
#include "sys/lock.h"
#include "sys/signals.h"
#include "sys/knobs.h"

/* Tests make a named step fail to prove the undo path (SANDBOX_FAIL_AT). */
static int
fault(const char *step, struct sb_error **err)
{
	const char *at = sb_knobs_get()->fail_at;

	/* Between steps is also where Ctrl-C takes effect. */
	if (sb_signals_check(err) < 0)
		return -1;
	if (at && strcmp(at, step) == 0)
		return sb_error_set(err, SB_E_FAIL, "injected failure at %s",
				    step);
	return 0;
}

/* What --from inherits: repository, stack and domain restriction, never
 * the key. */
struct inherited {
	char *repo, *stack, *domains_file;
	int restricted, cache;
};

static int
inherit_from(struct sb_incus *c, const char *from, struct inherited *in,
	     struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *o = sb_sandbox_get(c, from, err);

	if (!o)
		return sb_error_prefix(err, "--from");
	/* Only what the host recorded decides which repository gets a new
	 * read-write key: the origin written in OTHER's workspace is the
	 * container's word (DESIGN.md, "Identity comes from the host"). */
	if (!o->repo || !*o->repo)
		return sb_error_set(err, SB_E_INPUT,
				    "--from %s: '%s' has no repository in its "
				    "metadata (user.sandbox.repo), so there is "
				    "none to take; give REPO instead of --from",
				    from, from);
	if (!(in->repo = strdup(o->repo)))
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	in->stack = o->stack ? strdup(o->stack) : NULL;
	in->domains_file = o->domains_file ? strdup(o->domains_file) : NULL;
	in->restricted = o->restricted;
	in->cache = o->cache;
	return 0;
}

/* One create in progress: what it is making, and what undo needs to know
 * of the steps done so far. */
struct create {
	struct sb_incus *c;
	const struct sb_start_opts *o;
	const struct sb_progress *pr;
	const char *inst;
	struct inherited in;
	json_object *ecfg; /* the egress settings, for the config */
	const char *stack, *repo;
	int cache;
	struct sb_creds *cr;
	int lock, slot;
	int made, ruled; /* the instance, its rules: undone on failure */
	unsigned cache_made;
	char addr[INET_ADDRSTRLEN];
};

/* The instance's config: our keys, limits and egress settings. */
static json_object *
create_config(const struct create *k, const char *keep)
{
	_cleanup_free_ char *token = sb_clock_process_token();
	json_object *cfg = json_object_new_object();
	long long key_id = sb_creds_key_id(k->cr);
	char keyid[32], slotstr[8];

	snprintf(slotstr, sizeof(slotstr), "%d", k->slot);
	json_object_object_add(cfg, SB_KEY("slot"),
			       json_object_new_string(slotstr));
	json_object_object_add(cfg, SB_KEY("stack"),
			       json_object_new_string(k->stack));
	json_object_object_add(cfg, SB_KEY("golden"),
			       json_object_new_string(""));
	/* Only sandbox-start starts it, after its rules are in place. */
	json_object_object_add(cfg, "boot.autostart",
			       json_object_new_string("false"));
	/* Until the start completes: lets a later start recognise what a
	 * killed one left behind, and delete its GitHub key by id. */
	json_object_object_add(cfg, SB_KEY("creating"),
			       json_object_new_string(token ? token : "?"));
	if (key_id) {
		snprintf(keyid, sizeof(keyid), "%lld", key_id);
		json_object_object_add(cfg, SB_KEY("deploy-key-id"),
				       json_object_new_string(keyid));
	}
	/* Always set, even "{}": it tells a restart that this sandbox keeps
	 * its environment, so the profile is written at every start. */
	json_object_object_add(cfg, SB_KEY("env"),
			       json_object_new_string(keep ? keep : "{}"));
	if (k->repo)
		json_object_object_add(cfg, SB_KEY("repo"),
				       json_object_new_string(k->repo));
	if (k->o->branch)
		json_object_object_add(cfg, SB_KEY("branch"),
				       json_object_new_string(k->o->branch));
	sb_start_limits_add(cfg, k->o);
	json_object_object_foreach (k->ecfg, key, v)
		json_object_object_add(cfg, key, json_object_get(v));
	return cfg;
}

/* The create request: a copy of golden-STACK/ready with its config, the
 * NIC pinned to the slot's address and the slot's proxy devices, started
 * at once. */
static json_object *
create_body(const struct create *k, const char *keep)
{
	json_object *body = json_object_new_object();
	json_object *src = json_object_new_object();
	json_object *devs = json_object_new_object();
	json_object *profiles = json_object_new_array();
	const char *profile = sb_knobs_get()->profile;
	int slot = k->slot;
	char golden[96];

	snprintf(golden, sizeof(golden), "%s%s/ready", sb_golden_prefix(),
		 k->stack);
	json_object_object_add(body, "name", json_object_new_string(k->inst));
	json_object_object_add(src, "type", json_object_new_string("copy"));
	json_object_object_add(src, "source", json_object_new_string(golden));
	json_object_object_add(body, "source", src);
	/* SANDBOX_PROFILE is for tests only (a profile whose root disk is on
	 * a tiny pool, to fill it for real). */
	if (!profile)
		profile = SB_PROFILE;
	json_object_array_add(profiles, json_object_new_string(profile));
	json_object_object_add(body, "profiles", profiles);
	json_object_object_add(body, "config", create_config(k, keep));
	json_object_object_add(devs, "eth0", sb_setup_nic(k->addr));
	sb_start_slot_proxies(devs, SB_SSH_BASE + slot, SB_APP_BASE + slot,
			      SB_ALT_BASE + slot, k->addr);
	json_object_object_add(body, "devices", devs);
	json_object_object_add(body, "start", json_object_new_boolean(1));
	return body;
}

/* Creates and starts the instance.  The slot lock is let go as soon as
 * the instance record (which carries the slot) exists, so parallel starts
 * overlap the seconds Incus spends starting proxy devices instead of
 * queueing behind each other. */
static json_object *
create_instance(struct sb_incus *c, const char *inst, json_object *body,
		int *lock, struct sb_error **err)
{
	_cleanup_free_ char *op = sb_incus_start(c, "POST", "/1.0/instances",
						 body, NULL, err);
	double deadline = sb_clock_now() + 30;

	if (!op) {
		sb_lock_release(*lock);
		*lock = -1;
		return NULL;
	}
	while (*lock >= 0 && sb_clock_now() < deadline &&
	       !sb_signals_interrupted()) {
		_cleanup_json_ json_object *o = sb_incus_get(c, op, NULL,
							     SB_IGNORE);
		json_object *sc;
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		/* Done (or failed) already, or the record is there. */
		if (!o ||
		    (json_object_object_get_ex(o, "status_code", &sc) &&
		     json_object_get_int(sc) != 103) ||
		    sb_instance_exists(c, inst, SB_IGNORE) == 1)
			break;
		nanosleep(&ts, NULL);
	}
	sb_lock_release(*lock);
	*lock = -1;
	return sb_incus_wait(c, op, -1, err);
}

/* The copy succeeded but starting failed on a transient daemon error
 * (seen under load: "Failed to safely open namespace file descriptor
 * based on pidfd").  One more start, unless a port is taken, which no
 * retry fixes.  Returns 0 when the instance now runs. */
static int
retry_start(struct sb_incus *c, const char *inst, struct sb_error **err)
{
	_cleanup_free_ char *status = NULL;
	_cleanup_error_ struct sb_error *e = NULL;

	if (!err || !*err || (*err)->code == SB_E_INTERRUPTED ||
	    (*err)->code == SB_E_NODAEMON ||
	    strstr((*err)->msg, "address already in use") ||
	    sb_instance_status(c, inst, &status, &e) < 0 ||
	    strcmp(status, "Stopped") != 0)
		return -1;
	if (sb_instance_start(c, inst, &e) < 0)
		return -1;
	sb_error_free(*err);
	*err = NULL;
	return 0;
}

/* The rules of a sandbox that does not exist yet, from the settings it
 * will be created with. */
static int
apply_before_boot(const char *name, const char *inst, const char *addr,
		  json_object *ecfg, struct sb_error **err)
{
	const char *r = sb_json_str(ecfg, SB_KEY("restrict-domains"));
	struct sb_sandbox pre = {
		.name = (char *)name,
		.instance = (char *)inst,
		.fixed_ipv4 = (char *)addr,
		.nic_network = (char *)SB_BRIDGE,
		.restricted = r && strcmp(r, "yes") == 0,
		.domains_file = (char *)sb_json_str(ecfg,
						    SB_KEY("domains-file")),
		.allow_cidr = (char *)sb_json_str(ecfg, SB_EGRESS_KEY_CIDR),
	};

	return sb_egress_apply(&pre, err);
}

/* What to make, from the options and --from.  Bad input is refused here,
 * before anything changes. */
static int
settle(struct create *k, struct sb_error **err)
{
	const struct sb_start_opts *o = k->o;
	struct sb_egress_opts eo = { .allow_cidr = o->allow_cidr,
				     .nallow_cidr = o->nallow_cidr };

	if (o->from && inherit_from(k->c, o->from, &k->in, err) < 0)
		return -1;
	k->stack = o->stack ? o->stack : k->in.stack;
	if (!k->stack)
		k->stack = "base";
	k->repo = o->repo ? o->repo : k->in.repo;
	k->cache = o->cache || k->in.cache;
	eo.restrict_domains = o->restrict_domains || k->in.restricted;
	eo.domains_file = o->domains_file ? o->domains_file :
					    k->in.domains_file;
	if (sb_golden_stack_known(k->stack, err) < 0 ||
	    sb_egress_check(&eo, k->ecfg, err) < 0)
		return -1;
	return 0;
}

/* The golden image, built when missing, and the credentials (a key
 * registered on GitHub).  A failure here leaves nothing to undo. */
static int
prepare(struct create *k, struct sb_error **err)
{
	const struct sb_start_opts *o = k->o;
	struct sb_golden_opts g = { .progress = o->progress };
	struct sb_creds_opts co = { .name = o->name,
				    .repo = k->repo,
				    .branch = o->branch,
				    .ssh_key_file = o->ssh_key_file };
	int built = 0;

	if (sb_golden_ensure(k->c, k->stack, &g, 0, &built, err) < 0)
		return -1;
	return sb_creds_prepare(&co, &k->cr, err);
}

/* Takes the slot lock (create_instance lets it go), picks the slot and
 * its address, and puts the rules keyed on that address in place. */
static int
reserve(struct create *k, int want_slot, struct sb_error **err)
{
	if ((k->lock = sb_lock_take("slots", err)) < 0 ||
	    sb_start_pick_slot(k->c, want_slot, &k->slot, err) < 0 ||
	    sb_egress_slot_address(k->slot, k->addr, err) < 0)
		return -1;
	/* Its rules exist before it does, keyed on the address its NIC will
	 * be pinned to: nothing it runs at boot goes out unfiltered. */
	k->ruled = 1;
	if (apply_before_boot(k->o->name, k->inst, k->addr, k->ecfg, err) < 0 ||
	    fault("create", err) < 0)
		return -1;
	return 0;
}

/* The create request, with the agent's device and, with --cache, the
 * cache volumes (made now when missing). */
static json_object *
build_body(struct create *k, const char *keep, struct sb_error **err)
{
	_cleanup_json_ json_object *body = create_body(k, keep);
	json_object *cfg = NULL, *devs = NULL;

	/* The agent's directory is a device from the start: no hot-plug, no
	 * forkproxy. */
	if (!json_object_object_get_ex(body, "devices", &devs) ||
	    sb_creds_devices(k->cr, devs, err) < 0)
		return NULL;
	if (k->cache) {
		json_object_object_get_ex(body, "config", &cfg);
		if (sb_cache_prepare(k->c, &k->cache_made, err) < 0 ||
		    sb_cache_add(k->c, cfg, devs, err) < 0)
			return NULL;
	}
	return TAKE_PTR(body);
}

/* Creates and starts the instance. */
static int
make_instance(struct create *k, json_object *body, struct sb_error **err)
{
	_cleanup_json_ json_object *r = NULL;
	int slot = k->slot;

	sb_report_begin(k->pr, "%s: cloning golden-%s/ready into slot %d",
			k->o->name, k->stack, slot);
	/* A failed create may still have made the instance (the copy
	 * succeeds, then a device fails to start). */
	k->made = 1;
	r = create_instance(k->c, k->inst, body, &k->lock, err);
	if (r)
		return 0;
	/* Someone else's instance of that name appeared meanwhile (a start
	 * still running, or one whose operation outlived its killed
	 * client): never ours to delete. */
	if (err && *err && (*err)->code == SB_E_EXISTS) {
		k->made = 0;
		return sb_error_set(err, SB_E_EXISTS,
				    "%s appeared while this start was making "
				    "it: another sandbox-start is at work; run "
				    "this one again when it is done",
				    k->inst);
	}
	if (retry_start(k->c, k->inst, err) == 0)
		return 0;
	if (err && *err && strstr((*err)->msg, "address already in use"))
		sb_error_prefix(err,
				"slot %d: a port of the slot (%d, %d or %d) "
				"is in use on the host",
				slot, SB_SSH_BASE + slot, SB_APP_BASE + slot,
				SB_ALT_BASE + slot);
	return sb_error_prefix(err, "creating %s", k->inst);
}

/* From the booted instance to a ready one: files, sshd, the clone. */
static int
boot(struct create *k, const struct sb_env *env, struct sb_start_result *res,
     struct sb_error **err)
{
	const char *name = k->o->name;
	char **identity = &res->identity;

	sb_report_begin(k->pr, "%s: waiting for sshd", name);
	if (fault("network", err) < 0)
		return -1;
	if (sb_start_inject_files(k->c, k->inst, env, 1, identity, err) < 0)
		return -1;
	if ((k->cache && sb_cache_inject(k->c, k->inst, err) < 0) ||
	    fault("files", err) < 0)
		return -1;
	if (sb_start_wait_sshd(SB_SSH_BASE + k->slot, 30, err) < 0 ||
	    fault("sshd", err) < 0)
		return -1;
	sb_report_end(k->pr, 1);
	if (k->cr)
		sb_report_begin(k->pr, "%s: cloning %s", name,
				sb_creds_slug(k->cr));
	if (sb_creds_attach(k->cr, k->c, k->inst, err) < 0 ||
	    fault("creds", err) < 0)
		return -1;
	if (k->cr)
		sb_report_end(k->pr, 1);
	return 0;
}

/* Clears the creating mark, which makes the start complete, and fills
 * the summary. */
static int
finish(struct create *k, struct sb_start_result *res, struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	_cleanup_json_ json_object *done = NULL;

	if (!(s = sb_sandbox_get(k->c, k->o->name, err)) ||
	    fault("egress", err) < 0)
		return -1;
	done = json_object_new_object();
	json_object_object_add(done, SB_KEY("creating"),
			       json_object_new_string(""));
	if (sb_instance_patch(k->c, k->inst, done, NULL, err) < 0)
		return -1;
	res->created = 1;
	res->slot = k->slot;
	res->stack = strdup(k->stack);
	res->egress = strdup(sb_egress_mode(s));
	res->repo = s->repo ? strdup(s->repo) : NULL;
	res->branch = s->branch ? strdup(s->branch) : NULL;
	return 0;
}

int
sb_start_create(struct sb_incus *c, const struct sb_start_opts *o,
		int want_slot, const char *inst, const struct sb_env *env,
		const char *keep, struct sb_start_result *res,
		struct sb_error **err)
{
	_cleanup_json_ json_object *ecfg = json_object_new_object();
	_cleanup_json_ json_object *body = NULL;
	struct create k = { .c = c,
			    .o = o,
			    .pr = sb_start_steps(o),
			    .inst = inst,
			    .ecfg = ecfg,
			    .lock = -1 };
	int ret = -1;

	if (settle(&k, err) < 0 || prepare(&k, err) < 0)
		goto out;
	if (reserve(&k, want_slot, err) < 0 ||
	    !(body = build_body(&k, keep, err)) ||
	    make_instance(&k, body, err) < 0 || boot(&k, env, res, err) < 0 ||
	    finish(&k, res, err) < 0)
		goto undo;
	ret = 0;
	goto out;
undo:
	/* The undo's own requests must run to the end. */
	sb_signals_arm(0);
	sb_report_end(k.pr, 0);
	sb_lock_release(k.lock);
	sb_creds_undo(k.cr, o->name);
	if (k.made)
		sb_instance_delete(c, inst, SB_IGNORE);
	/* Volumes this start made, once nothing uses them. */
	sb_cache_undo(c, k.cache_made);
	/* After the instance is gone, never before. */
	if (k.ruled)
		sb_egress_remove(o->name, k.addr);
out:
	sb_creds_free(k.cr);
	free(k.in.repo);
	free(k.in.stack);
	free(k.in.domains_file);
	return ret;
}
