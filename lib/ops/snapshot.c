/* Snapshots over the Incus API (shared/INCUS-API.md, section 9).
 *
 * Restore is the delicate one.  Incus's restore puts back the snapshot's
 * config and devices along with the filesystem, but what the toolkit keeps
 * in them must stay as it is now: the deploy key's id (rotated since, the
 * old one may be gone from GitHub), the kept environment, ports exposed
 * since, the agent's socket device.  So the current config and devices are
 * saved first and PUT back after the restore: only the filesystem goes
 * back in time.  An undo snapshot taken first is what a failed restore
 * rolls back to. */
#include "ops/snapshot.h"
#include "ops/snapsize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "creds/creds.h"
#include "net/egress.h"
#include "incus/instance.h"
#include "incus/socket.h"
#include "model/sandbox.h"
#include "sys/knobs.h"

/* taking: the undo prefix is refused too (restore and delete accept it,
 * to let a user finish what a failed restore left). */
static int
check_snap(const char *snap, int taking, struct sb_error **err)
{
	if (sb_name_check(snap, err) < 0) {
		/* Same rule, but the message must say what was wrong. */
		if (err && *err && strncmp((*err)->msg, "invalid sandbox name",
					   20) == 0)
			sb_error_set(err, SB_E_INPUT, "invalid snapshot name%s",
				     (*err)->msg + 20);
		else if (err && *err)
			sb_error_set(err, SB_E_INPUT, "snapshot name must not "
				     "be empty");
		return -1;
	}
	if (taking && strncmp(snap, SB_SNAP_UNDO_PREFIX,
		    strlen(SB_SNAP_UNDO_PREFIX)) == 0)
		return sb_error_set(err, SB_E_INPUT,
				    "invalid snapshot name '%s': names starting "
				    "with %s are kept for restores", snap,
				    SB_SNAP_UNDO_PREFIX);
	return 0;
}

int
sb_snapshot_check(const char *snap, struct sb_error **err)
{
	return check_snap(snap, 1, err);
}

static char *
snap_path(const char *inst, const char *snap)
{
	char *p;

	if (asprintf(&p, "/1.0/instances/%s/snapshots%s%s", inst,
		     snap ? "/" : "", snap ? snap : "") < 0)
		return NULL;
	return p;
}

static void
stamp(char *buf, size_t n, const char *prefix)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, n, "%s", prefix);
	strftime(buf + strlen(buf), n - strlen(buf), "%Y%m%d-%H%M%S", &tm);
}

int
sb_snapshot_take(struct sb_incus *c, const char *name, const char *snap,
		 char **made, struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	char auto_name[64];
	int ret;

	*made = NULL;
	if (sb_name_check(name, err) < 0 ||
	    (snap && sb_snapshot_check(snap, err) < 0))
		return -1;
	if (!snap) {
		stamp(auto_name, sizeof(auto_name), "snap-");
		snap = auto_name;
	}
	if (!(s = sb_sandbox_get(c, name, err)))
		return -1;
	ret = sb_instance_snapshot(c, s->instance, snap, err);
	/* Incus reports a taken name only when the operation fails, as a
	 * database constraint; say it in the user's terms. */
	if (ret < 0 && err && *err && strstr((*err)->msg, "UNIQUE"))
		sb_error_set(err, SB_E_EXISTS,
			     "snapshot '%s' of '%s' already exists: choose "
			     "another name, or delete it first with "
			     "'sandbox-snapshot %s --delete %s'", snap, name,
			     name, snap);
	if (ret == 0)
		*made = strdup(snap);
	return ret;
}

static int
cmp_snap(const void *a, const void *b)
{
	const struct sb_snap *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

static time_t
parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return end ? timegm(&tm) : 0;
}

int
sb_snapshot_list(struct sb_incus *c, const char *name, int sizes,
		 struct sb_snap **v, size_t *n, struct sb_error **err)
{
	_cleanup_free_ char *p = NULL, *dir = sb_incus_dir(c);
	_cleanup_json_ json_object *arr = NULL;
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	struct sb_snap *out;
	size_t k;

	*v = NULL;
	*n = 0;
	if (!(s = sb_sandbox_get(c, name, err)))
		return -1;
	if (asprintf(&p, "/1.0/instances/%s/snapshots?recursion=1",
		     s->instance) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (!(arr = sb_incus_get(c, p, NULL, err)))
		return sb_error_prefix(err, "listing the snapshots of '%s'",
				       name);
	k = sb_json_array_len(arr);
	if (!(out = calloc(k ? k : 1, sizeof(*out))))
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < k; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *sz;
		const char *nm = sb_json_str(o, "name");

		out[*n].name = strdup(nm ? nm : "?");
		out[*n].created = parse_time(sb_json_str(o, "created_at"));
		out[*n].size = json_object_object_get_ex(o, "size", &sz) ?
			       json_object_get_int64(sz) : -1;
		if (out[*n].size < 0)
			out[*n].size = -1;
		(*n)++;
	}
	qsort(out, *n, sizeof(*out), cmp_snap);
	/* Incus knows no size on btrfs without quotas: measure them. */
	if (sizes)
		sb_snapshot_sizes(dir, s->pool, s->instance, out, *n);
	*v = out;
	return 0;
}

void
sb_snapshot_list_free(struct sb_snap *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

/* Deletes one snapshot of instance; NOTFOUND says how to see them. */
static int
delete_snap(struct sb_incus *c, const char *name, const char *inst,
	    const char *snap, struct sb_error **err)
{
	_cleanup_free_ char *p = snap_path(inst, snap);
	_cleanup_json_ json_object *r = sb_incus_call(c, "DELETE", p, NULL,
						      NULL, err);

	if (r)
		return 0;
	if (err && *err && (*err)->code == SB_E_NOTFOUND)
		return sb_error_set(err, SB_E_NOTFOUND,
				    "snapshot '%s' of '%s' not found: "
				    "'sandbox-snapshot %s --list' shows them",
				    snap, name, name);
	return sb_error_prefix(err, "deleting snapshot '%s'", snap);
}

int
sb_snapshot_delete(struct sb_incus *c, const char *name, const char *snap,
		   struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;

	if (sb_name_check(name, err) < 0 || check_snap(snap, 0, err) < 0)
		return -1;
	if (!(s = sb_sandbox_get(c, name, err)))
		return -1;
	return delete_snap(c, name, s->instance, snap, err);
}

int
sb_snapshot_count(struct sb_incus *c, const char *instance)
{
	_cleanup_free_ char *p = snap_path(instance, NULL);
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *arr = p ? sb_incus_get(c, p, NULL, &e) :
					      NULL;

	if (!arr)
		return -1;
	return (int)sb_json_array_len(arr);
}

/* What PUT takes of an instance: the toolkit's state as saved before the
 * restore, with the volatile keys (Incus's own bookkeeping, which it
 * restores consistently with the filesystem) as they are now. */
static int
put_back(struct sb_incus *c, const char *inst, json_object *saved,
	 struct sb_error **err)
{
	static const char *const keep[] = { "architecture", "devices",
		"ephemeral", "profiles", "stateful", "description" };
	_cleanup_free_ char *p = NULL, *etag = NULL;
	_cleanup_json_ json_object *now = NULL, *r = NULL;
	_cleanup_json_ json_object *body = json_object_new_object();
	json_object *cfg, *v;

	if (asprintf(&p, "/1.0/instances/%s", inst) < 0 ||
	    !(now = sb_incus_get(c, p, &etag, err)))
		return -1;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (json_object_object_get_ex(saved, keep[i], &v))
			json_object_object_add(body, keep[i],
					       json_object_get(v));
	cfg = json_object_new_object();
	if (json_object_object_get_ex(saved, "config", &v)) {
		json_object_object_foreach(v, k, val)
			if (strncmp(k, "volatile.", 9) != 0)
				json_object_object_add(cfg, k,
						       json_object_get(val));
	}
	if (json_object_object_get_ex(now, "config", &v)) {
		json_object_object_foreach(v, k, val)
			if (strncmp(k, "volatile.", 9) == 0)
				json_object_object_add(cfg, k,
						       json_object_get(val));
	}
	json_object_object_add(body, "config", cfg);
	r = sb_incus_call(c, "PUT", p, body, etag, err);
	if (!r)
		return sb_error_prefix(err, "putting back the config of %s",
				       inst);
	return 0;
}

/* Puts inst's filesystem back to snap (stopping it first when it runs),
 * then the saved config and devices; with run, starts it again and
 * applies its agent and firewall rules. */
static int
roll(struct sb_incus *c, const char *name, const char *inst,
     const char *snap, json_object *saved, int run, int inject,
     char **warning, struct sb_error **err)
{
	const char *at = sb_knobs_get()->fail_at;
	_cleanup_free_ char *p = NULL, *ip = NULL;
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL;
	_cleanup_sandbox_ struct sb_sandbox *now = NULL;

	/* Stopped by us with a grace period rather than by Incus's restore
	 * (which kills it), so the agent's writes reach the disk. */
	if (sb_instance_stop(c, inst, 10, err) < 0)
		return -1;
	json_object_object_add(body, "restore", json_object_new_string(snap));
	if (asprintf(&p, "/1.0/instances/%s", inst) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (!(r = sb_incus_call(c, "PUT", p, body, NULL, err)))
		return sb_error_prefix(err, "restoring %s to '%s'", inst, snap);
	if (put_back(c, inst, saved, err) < 0)
		return -1;
	/* Tests prove the way back with SANDBOX_FAIL_AT=restore. */
	if (inject && at && strcmp(at, "restore") == 0)
		return sb_error_set(err, SB_E_FAIL, "injected failure at restore");
	if (!run)
		return 0;
	/* Its rules were never taken away (they are keyed on the fixed
	 * address the saved NIC device pins); applied again before it boots
	 * all the same, as a restart does. */
	if (!(now = sb_sandbox_get(c, name, err)) ||
	    sb_egress_apply(now, err) < 0 ||
	    sb_instance_start(c, inst, err) < 0 ||
	    !(ip = sb_instance_wait_ipv4(c, inst, 30, err)) ||
	    sb_creds_restart_ex(c, now, warning, err) < 0)
		return -1;
	return 0;
}

int
sb_snapshot_restore(struct sb_incus *c, const char *name, const char *snap,
		    char **warning, struct sb_error **err)
{
	_cleanup_free_ char *p = NULL, *sp = NULL;
	_cleanup_json_ json_object *saved = NULL, *one = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	const char *inst;
	char undo[64];
	int run;

	*warning = NULL;
	if (sb_name_check(name, err) < 0 || check_snap(snap, 0, err) < 0)
		return -1;
	if (!(s = sb_sandbox_get(c, name, err)))
		return -1;
	inst = s->instance;
	run = s->running;
	sp = snap_path(inst, snap);
	if (!(one = sb_incus_get(c, sp, NULL, err))) {
		if (err && *err && (*err)->code == SB_E_NOTFOUND)
			sb_error_set(err, SB_E_NOTFOUND,
				     "snapshot '%s' of '%s' not found: "
				     "'sandbox-snapshot %s --list' shows them",
				     snap, name, name);
		return -1;
	}
	if (asprintf(&p, "/1.0/instances/%s", inst) < 0 ||
	    !(saved = sb_incus_get(c, p, NULL, err)))
		return -1;
	stamp(undo, sizeof(undo), SB_SNAP_UNDO_PREFIX);
	if (sb_instance_snapshot(c, inst, undo, err) < 0)
		return -1;
	if (roll(c, name, inst, snap, saved, run, 1, warning, err) == 0) {
		delete_snap(c, name, inst, undo, SB_IGNORE);
		return 0;
	}
	/* Back to how it was: the undo snapshot, the saved config, and
	 * running again when it ran. */
	free(*warning);
	*warning = NULL;
	if (roll(c, name, inst, undo, saved, run, 0, warning, &e) == 0) {
		delete_snap(c, name, inst, undo, SB_IGNORE);
		return sb_error_prefix(err,
				       "restoring '%s' to '%s' (it is back as "
				       "it was)",
				       name, snap);
	}
	return sb_error_prefix(err,
			       "restoring '%s' to '%s', and then putting it "
			       "back failed too (%s): its state before is "
			       "snapshot %s; try 'sandbox-snapshot %s "
			       "--restore %s' after fixing the cause",
			       name, snap, e ? e->msg : "?", undo, name, undo);
}
