/* The sandbox's side of its credentials: the host ids its agent runs as
 * (from the instance's idmap), the disk device that carries the agent's
 * socket into the container, and the link at SB_CREDS_GUEST_SOCK; with
 * the two Incus calls on the instance that the credentials make. */
#include "creds/creds.h"

#include <string.h>

#include "core/cleanup.h"
#include "core/text.h"
#include "creds/agent.h"
#include "creds/creds_internal.h"
#include "incus/files.h"

#define TMPFILES_FILE "/etc/tmpfiles.d/sandbox-agent.conf"

/* "/1.0/instances/NAME", escaped; NULL when out of memory. */
static char *
instance_path(const char *instance)
{
	_cleanup_free_ char *esc = sb_incus_escape(instance);

	return esc ? sb_text_fmt("/1.0/instances/%s", esc) : NULL;
}

json_object *
sb_creds_instance_get(struct sb_incus *c, const char *instance,
		      struct sb_error **err)
{
	_cleanup_free_ char *path = instance_path(instance);

	if (!path) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_incus_get(c, path, NULL, err);
}

int
sb_creds_instance_patch(struct sb_incus *c, const char *instance,
			json_object *config, json_object *devices,
			struct sb_error **err)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *res = NULL;
	_cleanup_free_ char *path = instance_path(instance);

	if (!path) {
		json_object_put(config);
		json_object_put(devices);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	if (config)
		json_object_object_add(body, "config", config);
	if (devices)
		json_object_object_add(body, "devices", devices);
	res = sb_incus_call(c, "PATCH", path, body, NULL, err);
	return res ? 0 : -1;
}

/* mapped_ids looks up one id in both maps. */
_Static_assert(SB_USER_UID == SB_USER_GID, "the user's uid and gid differ");

/* The host uid and gid that the container's uid/gid 1000 map to, from
 * the instance's idmap (volatile.idmap.current, or .next before its
 * first start): the agent runs as them. */
static int
mapped_ids(json_object *inst, uid_t *uid, gid_t *gid, struct sb_error **err)
{
	static const char *const keys[] = { "volatile.idmap.current",
					    "volatile.idmap.next" };
	json_object *cfg;
	int have_u = 0, have_g = 0;

	if (!json_object_object_get_ex(inst, "config", &cfg))
		cfg = NULL;
	for (size_t k = 0; k < 2 && !(have_u && have_g); k++) {
		const char *text = sb_json_str(cfg, keys[k]);
		_cleanup_json_ json_object *map = NULL;

		if (text)
			map = json_tokener_parse(text);

		for (size_t i = 0; i < sb_json_array_len(map); i++) {
			json_object *e = json_object_array_get_idx(map, i), *v;
			long long host = -1, ns = -1, range = -1;
			int isu = 0, isg = 0;

			if (json_object_object_get_ex(e, "Hostid", &v))
				host = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "Nsid", &v))
				ns = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "Maprange", &v))
				range = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "Isuid", &v))
				isu = json_object_get_boolean(v);
			if (json_object_object_get_ex(e, "Isgid", &v))
				isg = json_object_get_boolean(v);
			if (host < 0 || ns < 0 || ns > SB_USER_UID ||
			    SB_USER_UID >= ns + range ||
			    host + SB_USER_UID - ns > 0x7fffffff)
				continue;
			/* Never host root: that would make the agent root's
			 * and hand it to a privileged container's uid 0. */
			if (host + SB_USER_UID - ns == 0)
				continue;
			if (isu && !have_u) {
				*uid = (uid_t)(host + SB_USER_UID - ns);
				have_u = 1;
			}
			if (isg && !have_g) {
				*gid = (gid_t)(host + SB_USER_UID - ns);
				have_g = 1;
			}
		}
	}
	if (!have_u || !have_g)
		return sb_error_set(err, SB_E_FAIL,
				    "no uid map for the container's uid %d "
				    "(volatile.idmap.current): a privileged "
				    "container cannot hold a deploy key safely",
				    SB_USER_UID);
	return 0;
}

int
sb_creds_agent_load(const char *name, json_object *inst,
		    const struct sb_deploykey *key, struct sb_error **err)
{
	char *pem = NULL;
	size_t len = 0;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int r;

	if (mapped_ids(inst, &uid, &gid, err) < 0 ||
	    sb_agent_start(name, uid, gid, err) < 0)
		return -1;
	if (sb_deploykey_private(key, &pem, &len, err) < 0)
		return -1;
	r = sb_agent_add(name, pem, len, err);
	sb_deploykey_wipe(pem, len);
	return r;
}

/* The device that shows the agent's socket inside: the host directory of
 * root's holding one more name of it, read-only at SB_CREDS_GUEST_DIR
 * (outside /run, whose tmpfs would hide it); SB_CREDS_GUEST_SOCK is a
 * symlink to it (sb_creds_after_boot).  A disk device starts no
 * forkproxy and costs Incus nothing at start. */
static json_object *
agent_device(const char *name)
{
	_cleanup_free_ char *dir = sb_agent_share_dir(name);
	json_object *d;

	if (!dir)
		return NULL;
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("disk"));
	json_object_object_add(d, "source", json_object_new_string(dir));
	json_object_object_add(d, "path",
			       json_object_new_string(SB_CREDS_GUEST_DIR));
	json_object_object_add(d, "readonly", json_object_new_string("true"));
	return d;
}

int
sb_creds_devices(const struct sb_creds *cr, json_object *devices,
		 struct sb_error **err)
{
	json_object *d;

	if (!cr)
		return 0;
	if (sb_agent_share_prepare(cr->name, err) < 0)
		return -1;
	if (!(d = agent_device(cr->name)))
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	json_object_object_add(devices, SB_CREDS_DEVICE, d);
	return 0;
}

/* In the container's /run (a tmpfs, new at every boot): the contract's
 * socket path, a symlink into the shared directory.  A tmpfiles.d line
 * makes it again when the container reboots itself. */
static const char tmpfiles_text[] =
	"# Written by sandbox-start: the deploy key's agent socket.\n"
	"L+ " SB_CREDS_GUEST_SOCK " - - - - " SB_CREDS_GUEST_DIR
	"/" SB_AGENT_SOCK_NAME "\n";

int
sb_creds_after_boot(struct sb_incus *c, const char *instance,
		    struct sb_error **err)
{
	if (sb_file_symlink(c, instance, SB_CREDS_GUEST_SOCK,
			    SB_CREDS_GUEST_DIR "/" SB_AGENT_SOCK_NAME,
			    err) < 0 ||
	    sb_file_push(c, instance, TMPFILES_FILE, tmpfiles_text,
			 sizeof(tmpfiles_text) - 1, 0, 0, 0644, err) < 0)
		return sb_error_prefix(err, "linking %s", SB_CREDS_GUEST_SOCK);
	return 0;
}

int
sb_creds_before_boot(struct sb_incus *c, const struct sb_sandbox *s,
		     struct sb_error **err)
{
	_cleanup_json_ json_object *inst = NULL;
	_cleanup_free_ char *dir = NULL;
	json_object *devs, *d, *config, *devices;
	const char *type, *source;

	if (!s->repo)
		return 0;
	if (sb_agent_share_prepare(s->name, err) < 0 ||
	    !(inst = sb_creds_instance_get(c, s->instance, err)) ||
	    !(dir = sb_agent_share_dir(s->name)))
		return -1;
	if (json_object_object_get_ex(inst, "devices", &devs) &&
	    json_object_object_get_ex(devs, SB_CREDS_DEVICE, &d) &&
	    (type = sb_json_str(d, "type")) && strcmp(type, "disk") == 0 &&
	    (source = sb_json_str(d, "source")) && strcmp(source, dir) == 0)
		return 0;
	/* A sandbox of the older scripts has no device, one of an earlier
	 * version a unix proxy (a forkproxy, and a second at every
	 * start): both get the shared directory. */
	config = json_object_new_object();
	json_object_object_add(config, "environment.SSH_AUTH_SOCK",
			       json_object_new_string(SB_CREDS_GUEST_SOCK));
	devices = json_object_new_object();
	json_object_object_add(devices, SB_CREDS_DEVICE, agent_device(s->name));
	if (sb_creds_instance_patch(c, s->instance, config, devices, err) < 0)
		return sb_error_prefix(err, "giving '%s' its agent directory",
				       s->name);
	return 0;
}
