/* Shared caches: custom volumes on the toolkit's pool, see cache.h. */
#include "ops/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/text.h"
#include "incus/files.h"
#include "incus/socket.h"
#include "sys/knobs.h"
#include "sys/spawn.h"
#include "model/sandbox.h"
#include "ops/setup.h"

const char *const sb_cache_kinds[] = { "npm", "cargo", "go", "pip", NULL };

/* Where each tool looks, by variable; cargo has no variable for its
 * caches alone (CARGO_HOME would move installed binaries too), so it gets
 * links instead (sb_cache_inject). */
static const char *const cache_env[][2] = {
	{ "npm_config_cache", SB_CACHE_MOUNT "/npm" },
	{ "GOMODCACHE", SB_CACHE_MOUNT "/go" },
	{ "PIP_CACHE_DIR", SB_CACHE_MOUNT "/pip" },
};

#define NKINDS (sizeof(sb_cache_kinds) / sizeof(sb_cache_kinds[0]) - 1)

int
sb_cache_kind_check(const char *kind, struct sb_error **err)
{
	if (!kind || strcmp(kind, "all") == 0)
		return 0;
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kind, sb_cache_kinds[i]) == 0)
			return 0;
	return sb_error_set(err, SB_E_INPUT,
			    "unknown cache '%s': npm, cargo, go, pip or all "
			    "is allowed", kind);
}

static char *
volume_path(struct sb_incus *c, const char *kind, const char *suffix,
	    struct sb_error **err)
{
	_cleanup_free_ char *pool = sb_setup_pool_of_profile(c, err);
	char *p;

	if (!pool)
		return NULL;
	if (asprintf(&p, "/1.0/storage-pools/%s/volumes/custom"
		     "%s%s%s%s", pool, kind ? "/" SB_CACHE_VOLUME : "",
		     kind ? kind : "", suffix ? "/" : "",
		     suffix ? suffix : "") < 0) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return p;
}

/* 1 when the volume exists, 0 when not, -1 on error. */
static int
volume_exists(struct sb_incus *c, const char *kind, json_object **meta,
	      struct sb_error **err)
{
	_cleanup_free_ char *path = volume_path(c, kind, NULL, err);
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *m = NULL;

	if (!path)
		return -1;
	m = sb_incus_get(c, path, NULL, &e);
	if (m) {
		if (meta)
			*meta = TAKE_PTR(m);
		return 1;
	}
	if (e->code == SB_E_NOTFOUND)
		return 0;
	sb_error_pass(err, &e);
	return -1;
}

/* Makes one volume owned by the sandbox user, and its snapshot "empty"
 * that sb_cache_clear goes back to.  0 when made, 1 when someone else
 * made it meanwhile. */
static int
make_volume(struct sb_incus *c, const char *kind, struct sb_error **err)
{
	_cleanup_free_ char *path = volume_path(c, NULL, NULL, err);
	_cleanup_free_ char *snaps = volume_path(c, kind, "snapshots", err);
	_cleanup_free_ char *name = NULL;
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *sbody = json_object_new_object();
	_cleanup_json_ json_object *r = NULL, *sr = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	json_object *cfg;

	if (!path || !snaps || asprintf(&name, SB_CACHE_VOLUME "%s", kind) < 0)
		return -1;
	cfg = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "type", json_object_new_string("custom"));
	json_object_object_add(body, "content_type",
			       json_object_new_string("filesystem"));
	json_object_object_add(cfg, "initial.uid",
			       json_object_new_string(SB_USER_UID_TEXT));
	json_object_object_add(cfg, "initial.gid",
			       json_object_new_string(SB_USER_GID_TEXT));
	json_object_object_add(cfg, "initial.mode", json_object_new_string("0755"));
	json_object_object_add(body, "config", cfg);
	json_object_object_add(body, "description", json_object_new_string(
		"sandbox: shared cache for --cache sandboxes"));
	r = sb_incus_call(c, "POST", path, body, NULL, &e);
	if (!r) {
		/* A concurrent start made it first: theirs, not ours. */
		if (e->code == SB_E_EXISTS ||
		    (e->msg && strstr(e->msg, "already exists")))
			return 1;
		sb_error_pass(err, &e);
		return sb_error_prefix(err, "making volume %s", name);
	}
	json_object_object_add(sbody, "name", json_object_new_string("empty"));
	sr = sb_incus_call(c, "POST", snaps, sbody, NULL, err);
	if (!sr)
		return sb_error_prefix(err, "snapshotting volume %s", name);
	return 0;
}

static int
delete_volume(struct sb_incus *c, const char *kind, struct sb_error **err)
{
	_cleanup_free_ char *path = volume_path(c, kind, NULL, err);
	_cleanup_free_ char *snap = volume_path(c, kind, "snapshots/empty",
						err);
	_cleanup_json_ json_object *r = NULL, *sr = NULL;
	_cleanup_error_ struct sb_error *e = NULL;

	if (!path || !snap)
		return -1;
	/* Incus refuses a volume with snapshots. */
	sr = sb_incus_call(c, "DELETE", snap, NULL, NULL, &e);
	if (!sr && e->code != SB_E_NOTFOUND) {
		sb_error_pass(err, &e);
		return -1;
	}
	r = sb_incus_call(c, "DELETE", path, NULL, NULL, err);
	return r ? 0 : -1;
}

int
sb_cache_prepare(struct sb_incus *c, unsigned *made, struct sb_error **err)
{
	*made = 0;
	for (size_t i = 0; i < NKINDS; i++) {
		int r = volume_exists(c, sb_cache_kinds[i], NULL, err);

		if (r == 0)
			r = make_volume(c, sb_cache_kinds[i], err);
		else if (r == 1)
			continue;
		if (r < 0) {
			sb_cache_undo(c, *made);
			*made = 0;
			return sb_error_prefix(err, "shared caches");
		}
		if (r == 0)
			*made |= 1u << i;
	}
	return 0;
}

void
sb_cache_undo(struct sb_incus *c, unsigned made)
{
	for (size_t i = 0; i < NKINDS; i++) {
		_cleanup_json_ json_object *m = NULL;
		json_object *ub;

		if (!(made & (1u << i)) ||
		    volume_exists(c, sb_cache_kinds[i], &m, SB_IGNORE) != 1)
			continue;
		/* Another --cache start may have begun using it. */
		if (json_object_object_get_ex(m, "used_by", &ub) &&
		    sb_json_array_len(ub) > 0)
			continue;
		delete_volume(c, sb_cache_kinds[i], SB_IGNORE);
	}
}

int
sb_cache_add(struct sb_incus *c, json_object *config, json_object *devices,
	     struct sb_error **err)
{
	_cleanup_free_ char *pool = sb_setup_pool_of_profile(c, err);
	char key[64], vol[64], dev[64], path[96];

	if (!pool)
		return -1;
	json_object_object_add(config, SB_KEY("cache"),
			       json_object_new_string("yes"));
	for (size_t i = 0; i < sizeof(cache_env) / sizeof(cache_env[0]); i++) {
		snprintf(key, sizeof(key), "environment.%s", cache_env[i][0]);
		json_object_object_add(config, key,
				       json_object_new_string(cache_env[i][1]));
	}
	for (size_t i = 0; i < NKINDS; i++) {
		json_object *d = json_object_new_object();

		snprintf(vol, sizeof(vol), SB_CACHE_VOLUME "%s",
			 sb_cache_kinds[i]);
		snprintf(dev, sizeof(dev), "cache-%s", sb_cache_kinds[i]);
		snprintf(path, sizeof(path), SB_CACHE_MOUNT "/%s",
			 sb_cache_kinds[i]);
		json_object_object_add(d, "type", json_object_new_string("disk"));
		json_object_object_add(d, "pool", json_object_new_string(pool));
		json_object_object_add(d, "source", json_object_new_string(vol));
		json_object_object_add(d, "path", json_object_new_string(path));
		json_object_object_add(devices, dev, d);
	}
	return 0;
}

int
sb_cache_inject(struct sb_incus *c, const char *instance,
		struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf prof = { 0 };
	static const char *const cargo[] = { "registry", "git" };

	sb_buf_appendf(&prof, "# Shared caches (sandbox-start --cache).\n");
	for (size_t i = 0; i < sizeof(cache_env) / sizeof(cache_env[0]); i++)
		sb_buf_appendf(&prof, "export %s=%s\n", cache_env[i][0],
			       cache_env[i][1]);
	if (sb_file_push(c, instance, "/etc/profile.d/sandbox-cache.sh",
			 prof.data, prof.len, 0, 0, 0644, err) < 0 ||
	    sb_file_mkdir(c, instance, SB_USER_HOME "/.cargo", SB_USER_UID,
			  SB_USER_GID, 0755, err) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		char target[96], link[96];

		snprintf(target, sizeof(target), SB_CACHE_MOUNT "/cargo/%s",
			 cargo[i]);
		snprintf(link, sizeof(link), SB_USER_HOME "/.cargo/%s",
			 cargo[i]);
		/* The target first: cargo refuses a link to nothing. */
		if (sb_file_mkdir(c, instance, target, SB_USER_UID, SB_USER_GID,
				  0755, err) < 0 ||
		    sb_file_symlink(c, instance, link, target, err) < 0)
			return -1;
	}
	return 0;
}

/* 1 when an instance in used_by runs, 0 when none does. */
static int
used_running(struct sb_incus *c, json_object *meta)
{
	json_object *ub;

	if (!json_object_object_get_ex(meta, "used_by", &ub))
		return 0;
	for (size_t i = 0; i < sb_json_array_len(ub); i++) {
		const char *u = json_object_get_string(
			json_object_array_get_idx(ub, i));
		_cleanup_free_ char *path = NULL;
		_cleanup_json_ json_object *m = NULL;
		const char *st;

		if (!u || strncmp(u, "/1.0/instances/", 15) != 0)
			continue;
		if (asprintf(&path, "%.*s", (int)strcspn(u, "?"), u) < 0)
			return 1;
		m = sb_incus_get(c, path, NULL, SB_IGNORE);
		st = m ? sb_json_str(m, "status") : "Running";
		if (!st || strcmp(st, "Stopped") != 0)
			return 1;
	}
	return 0;
}

/* Incus will not restore a volume that running instances use, so then
 * the host empties it in place: find -delete never follows the links
 * that sandboxes wrote, and -xdev keeps it inside the volume.  It is the
 * host that deletes, not a sandbox asked to, which could say it did. */
static int
empty_in_place(struct sb_incus *c, const char *kind, struct sb_error **err)
{
	_cleanup_free_ char *pool = sb_setup_pool_of_profile(c, err);
	_cleanup_free_ char *dir = NULL;
	const char *root = sb_knobs_get()->incus_dir;
	struct stat st;
	int r;

	if (!pool)
		return -1;
	if (!root)
		root = SB_INCUS_DEFAULT_DIR;
	if (asprintf(&dir, "%s/storage-pools/%s/custom/default_" SB_CACHE_VOLUME
		     "%s", root, pool, kind) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return sb_error_set(err, SB_E_FAIL,
				    "cache %s is in use by running sandboxes "
				    "and %s is not its directory: stop them "
				    "and run this again", kind, dir);
	{
		const char *argv[] = { "find", dir, "-xdev", "-mindepth", "1",
				       "-delete", NULL };

		r = sb_spawn_cmd(argv, NULL, 0, NULL, NULL, err);
	}
	if (r != 0)
		return r < 0 ? -1 : sb_error_set(err, SB_E_FAIL,
						 "emptying %s failed", dir);
	return 0;
}

int
sb_cache_clear(struct sb_incus *c, const char *kind, int *cleared,
	       struct sb_error **err)
{
	*cleared = 0;
	if (sb_cache_kind_check(kind, err) < 0)
		return -1;
	for (size_t i = 0; i < NKINDS; i++) {
		const char *k = sb_cache_kinds[i];
		_cleanup_free_ char *path = NULL;
		_cleanup_json_ json_object *body = NULL, *r = NULL, *m = NULL;
		int ex;

		if (kind && strcmp(kind, "all") != 0 && strcmp(kind, k) != 0)
			continue;
		if ((ex = volume_exists(c, k, &m, err)) < 0)
			return -1;
		if (!ex)
			continue;
		if (used_running(c, m)) {
			if (empty_in_place(c, k, err) < 0)
				return sb_error_prefix(err, "emptying cache %s", k);
			(*cleared)++;
			continue;
		}
		if (!(path = volume_path(c, k, NULL, err)))
			return -1;
		body = json_object_new_object();
		json_object_object_add(body, "restore",
				       json_object_new_string("empty"));
		r = sb_incus_call(c, "PUT", path, body, NULL, err);
		if (!r)
			return sb_error_prefix(err, "emptying cache %s", k);
		(*cleared)++;
	}
	return 0;
}

int
sb_cache_remove_all(struct sb_incus *c, int *removed, struct sb_error **err)
{
	int ret = 0;

	*removed = 0;
	for (size_t i = 0; i < NKINDS; i++) {
		_cleanup_error_ struct sb_error *e = NULL;
		int ex = volume_exists(c, sb_cache_kinds[i], NULL, &e);

		if (ex == 1 && delete_volume(c, sb_cache_kinds[i], &e) == 0) {
			(*removed)++;
			continue;
		}
		if (ex != 0 && ret == 0) {
			sb_error_pass(err, &e);
			sb_error_prefix(err, "removing cache %s",
					sb_cache_kinds[i]);
			ret = -1;
		}
	}
	return ret;
}
