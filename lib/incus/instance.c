#include "incus/instance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "sys/clock.h"
#include "sys/signals.h"
#include "core/json.h"

static char *
ipath(const char *name, const char *suffix)
{
	char *s;

	if (asprintf(&s, "/1.0/instances/%s%s", name, suffix ? suffix : "") < 0)
		return NULL;
	return s;
}

int
sb_instance_exists(struct sb_incus *c, const char *name, struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, NULL);
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *m = sb_incus_get(c, p, NULL, &e);

	if (m)
		return 1;
	if (sb_error_is(e, SB_E_NOTFOUND))
		return 0;
	sb_error_pass(err, &e);
	return -1;
}

int
sb_instance_status(struct sb_incus *c, const char *name, char **status,
		   struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, "/state");
	_cleanup_json_ json_object *m = sb_incus_get(c, p, NULL, err);
	json_object *v;

	if (!m)
		return -1;
	*status = strdup(json_object_object_get_ex(m, "status", &v) ?
			 json_object_get_string(v) : "Unknown");
	return 0;
}

static int
change_state(struct sb_incus *c, const char *name, const char *action,
	     int timeout, int force, struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, "/state");
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL;

	json_object_object_add(body, "action", json_object_new_string(action));
	/* timeout 0 would mean "kill" to the daemon (INCUS-API.md §4). */
	if (timeout > 0)
		json_object_object_add(body, "timeout",
				       json_object_new_int(timeout));
	if (force)
		json_object_object_add(body, "force", json_object_new_boolean(1));
	r = sb_incus_call(c, "PUT", p, body, NULL, err);
	return r ? 0 : -1;
}

int
sb_instance_start(struct sb_incus *c, const char *name, struct sb_error **err)
{
	if (change_state(c, name, "start", 0, 0, err) < 0)
		return sb_error_prefix(err, "starting %s", name);
	return 0;
}

/* Waits (up to a minute) for operations still running on the instance,
 * e.g. a start whose client was interrupted: until they end, Incus
 * refuses to stop or delete it ("busy"). */
static void
wait_busy(struct sb_incus *c, const char *name)
{
	_cleanup_json_ json_object *ops =
		sb_incus_get(c, "/1.0/operations?recursion=1", NULL, SB_IGNORE);
	_cleanup_free_ char *me = ipath(name, NULL);
	json_object *running;

	if (!ops || !me ||
	    !json_object_object_get_ex(ops, "running", &running))
		return;
	for (size_t i = 0; i < sb_json_array_len(running); i++) {
		json_object *op = json_object_array_get_idx(running, i);
		json_object *res, *insts, *id;
		int mine = 0;

		if (!json_object_object_get_ex(op, "resources", &res) ||
		    !json_object_object_get_ex(res, "instances", &insts) ||
		    !json_object_object_get_ex(op, "id", &id))
			continue;
		for (size_t k = 0; k < sb_json_array_len(insts); k++)
			if (strcmp(json_object_get_string(
				   json_object_array_get_idx(insts, k)), me) == 0)
				mine = 1;
		if (mine) {
			_cleanup_free_ char *p = NULL;
			_cleanup_json_ json_object *r = NULL;

			if (asprintf(&p, "/1.0/operations/%s",
				     json_object_get_string(id)) >= 0)
				r = sb_incus_wait(c, p, 60, SB_IGNORE);
		}
	}
}

int
sb_instance_stop(struct sb_incus *c, const char *name, int grace,
		 struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_free_ char *status = NULL;

	wait_busy(c, name);
	if (sb_instance_status(c, name, &status, err) < 0)
		return -1;
	if (strcmp(status, "Stopped") == 0)
		return 0;
	if (strcmp(status, "Frozen") != 0 && grace > 0 &&
	    change_state(c, name, "stop", grace, 0, &e) == 0)
		return 0;
	sb_error_free(TAKE_PTR(e));
	if (change_state(c, name, "stop", 0, 1, &e) == 0)
		return 0;
	if (strstr(e->msg, "already stopped"))
		return 0;
	sb_error_pass(err, &e);
	return sb_error_prefix(err, "stopping %s", name);
}

int
sb_instance_delete(struct sb_incus *c, const char *name, struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, NULL);
	_cleanup_json_ json_object *r = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	int ex = sb_instance_exists(c, name, err);

	if (ex <= 0)
		return ex;
	if (sb_instance_stop(c, name, 0, err) < 0)
		return -1;
	r = sb_incus_call(c, "DELETE", p, NULL, NULL, &e);
	if (!r && !sb_error_is(e, SB_E_NOTFOUND)) {
		sb_error_pass(err, &e);
		return sb_error_prefix(err, "deleting %s", name);
	}
	return 0;
}

int
sb_instance_patch(struct sb_incus *c, const char *name, json_object *config,
		  json_object *devices, struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, NULL);
	_cleanup_free_ char *etag = NULL;
	_cleanup_json_ json_object *cur = sb_incus_get(c, p, &etag, err);
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL;
	json_object *desc;

	if (!cur)
		return -1;
	if (json_object_object_get_ex(cur, "description", &desc))
		json_object_object_add(body, "description", json_object_get(desc));
	if (config)
		json_object_object_add(body, "config", json_object_get(config));
	if (devices)
		json_object_object_add(body, "devices", json_object_get(devices));
	r = sb_incus_call(c, "PATCH", p, body, etag, err);
	return r ? 0 : -1;
}

int
sb_instance_remove_device(struct sb_incus *c, const char *name,
			  const char *device, struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, NULL);

	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_free_ char *etag = NULL;
		_cleanup_json_ json_object *cur = sb_incus_get(c, p, &etag, err);
		_cleanup_json_ json_object *body = json_object_new_object();
		_cleanup_json_ json_object *r = NULL;
		_cleanup_error_ struct sb_error *e = NULL;
		static const char *const keep[] = {
			"architecture", "config", "devices", "ephemeral",
			"profiles", "stateful", "description",
		};
		json_object *devs;

		if (!cur)
			return -1;
		if (!json_object_object_get_ex(cur, "devices", &devs) ||
		    !json_object_object_get_ex(devs, device, NULL))
			return 0;
		json_object_object_del(devs, device);
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
			json_object *v;

			if (json_object_object_get_ex(cur, keep[i], &v))
				json_object_object_add(body, keep[i],
						       json_object_get(v));
		}
		r = sb_incus_call(c, "PUT", p, body, etag, &e);
		if (r)
			return 0;
		/* Someone changed the instance between GET and PUT. */
		if (e->http_status == 412)
			continue;
		sb_error_pass(err, &e);
		return sb_error_prefix(err, "removing device %s from %s",
				       device, name);
	}
	return sb_error_set(err, SB_E_DAEMON,
			    "removing device %s from %s: instance kept changing",
			    device, name);
}

int
sb_instance_snapshot(struct sb_incus *c, const char *name, const char *snap,
		     struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, "/snapshots");
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL;

	json_object_object_add(body, "name", json_object_new_string(snap));
	r = sb_incus_call(c, "POST", p, body, NULL, err);
	if (!r)
		return sb_error_prefix(err, "snapshotting %s", name);
	return 0;
}

char *
sb_instance_state_ipv4(json_object *state)
{
	json_object *net, *eth0, *addrs;

	if (!state || !json_object_object_get_ex(state, "network", &net) ||
	    !json_object_object_get_ex(net, "eth0", &eth0) ||
	    !json_object_object_get_ex(eth0, "addresses", &addrs) ||
	    !json_object_is_type(addrs, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(addrs); i++) {
		json_object *a = json_object_array_get_idx(addrs, i);
		const char *fam = sb_json_str(a, "family");
		const char *ip = sb_json_str(a, "address");

		if (fam && strcmp(fam, "inet") == 0 && ip && *ip)
			return strdup(ip);
	}
	return NULL;
}

char *
sb_instance_wait_ipv4(struct sb_incus *c, const char *name, double timeout,
		      struct sb_error **err)
{
	_cleanup_free_ char *p = ipath(name, "/state");
	double deadline = sb_clock_now() + timeout;

	/* The address shows up ~1 s after start; poll the cheap /state call
	 * rather than sleeping a fixed time. */
	for (;;) {
		_cleanup_json_ json_object *st = sb_incus_get(c, p, NULL, err);
		char *ip;
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (!st || sb_signals_check(err) < 0)
			return NULL;
		if ((ip = sb_instance_state_ipv4(st)))
			return ip;
		if (sb_clock_now() > deadline) {
			sb_error_set(err, SB_E_FAIL,
				     "%s got no IPv4 address on eth0 within "
				     "%.0f s", name, timeout);
			return NULL;
		}
		nanosleep(&ts, NULL);
	}
}
