/* Reading sandboxes out of Incus instances. */
#include "model/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "core/text.h"
#include "incus/instance.h"

static char *
dup_member(json_object *o, const char *key)
{
	const char *s = sb_json_str(o, key);

	return s && *s ? strdup(s) : NULL;
}

static json_object *
obj_member(json_object *o, const char *key)
{
	return sb_json_member(o, key, json_type_object);
}

/* Extra port devices are named port-PORT-PROTO (PROTO tcp or udp). */
static int
parse_port_device(const char *dev, json_object *d, struct sb_port *p)
{
	const char *type = sb_json_str(d, "type");
	const char *listen = sb_json_str(d, "listen");
	const char *connect = sb_json_str(d, "connect");

	if (strncmp(dev, "port-", 5) != 0 || !type ||
	    strcmp(type, "proxy") != 0)
		return -1;
	p->host_port = sb_listen_port(listen);
	p->guest_port = sb_listen_port(connect);
	if (!p->host_port || !p->guest_port)
		return -1;
	p->proto = strncmp(listen, "udp:", 4) == 0 ? SB_UDP : SB_TCP;
	p->device = strdup(dev);
	return p->device ? 0 : -1;
}

static void
read_devices(struct sb_sandbox *s, json_object *devs)
{
	json_object_object_foreach(devs, key, d) {
		struct sb_port p = { 0 };
		const char *listen;

		if (!json_object_is_type(d, json_type_object))
			continue;
		listen = sb_json_str(d, "listen");
		if (strcmp(key, "ssh-proxy") == 0)
			s->ssh_port = sb_listen_port(listen);
		else if (strcmp(key, "app-proxy") == 0)
			s->app_port = sb_listen_port(listen);
		else if (strcmp(key, "alt-proxy") == 0)
			s->alt_port = sb_listen_port(listen);
		else if (parse_port_device(key, d, &p) == 0) {
			struct sb_port *v = realloc(s->ports, (s->nports + 1) *
							     sizeof(*v));
			if (!v) {
				free(p.device);
				continue;
			}
			s->ports = v;
			s->ports[s->nports++] = p;
		}
	}
}

/* The sandbox's own keys (user.sandbox.*) from the instance's config. */
static void
read_config(struct sb_sandbox *s, json_object *inst)
{
	json_object *cfg = obj_member(inst, "expanded_config");
	const char *v;

	if (!cfg)
		cfg = obj_member(inst, "config");
	v = sb_json_str(cfg, SB_KEY("slot"));
	if (v) {
		long slot;

		if (sb_parse_int(v, SB_SLOT_MIN, SB_SLOT_MAX, "slot", &slot,
				 SB_IGNORE) == 0)
			s->slot = (int)slot;
	}
	s->stack = dup_member(cfg, SB_KEY("stack"));
	s->repo = dup_member(cfg, SB_KEY("repo"));
	s->branch = dup_member(cfg, SB_KEY("branch"));
	s->domains_file = dup_member(cfg, SB_KEY("domains-file"));
	s->deploy_key_id = dup_member(cfg, SB_KEY("deploy-key-id"));
	s->creating = dup_member(cfg, SB_KEY("creating"));
	s->allow_cidr = dup_member(cfg, SB_KEY("allow-cidr"));
	s->env_json = dup_member(cfg, SB_KEY("env"));
	v = sb_json_str(cfg, SB_KEY("restrict-domains"));
	s->restricted = v && strcmp(v, "yes") == 0;
	v = sb_json_str(cfg, SB_KEY("cache"));
	s->cache = v && strcmp(v, "yes") == 0;
}

struct sb_sandbox *
sb_sandbox_from_json(json_object *inst, struct sb_error **err)
{
	const char *iname = sb_json_str(inst, "name");
	const char *name = sb_name_from_instance(iname);
	json_object *devs, *profiles;
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;

	if (!name) {
		sb_error_set(err, SB_E_INPUT, "instance '%s' is not a sandbox",
			     iname ? iname : "");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	s->name = strdup(name);
	s->instance = strdup(iname);
	s->status = dup_member(inst, "status");
	if (!s->status)
		s->status = strdup("Unknown");
	s->running = strcmp(s->status, "Running") == 0;
	read_config(s, inst);
	devs = obj_member(inst, "expanded_devices");
	if (!devs)
		devs = obj_member(inst, "devices");
	if (devs) {
		json_object *root = obj_member(devs, "root");

		json_object *eth0 = obj_member(devs, "eth0");

		read_devices(s, devs);
		s->pool = dup_member(root, "pool");
		s->fixed_ipv4 = dup_member(eth0, "ipv4.address");
		s->nic_network = dup_member(eth0, "network");
		if (!s->nic_network)
			s->nic_network = dup_member(eth0, "parent");
	}
	s->ipv4 = sb_instance_state_ipv4(obj_member(inst, "state"));
	if (json_object_object_get_ex(inst, "profiles", &profiles) &&
	    json_object_is_type(profiles, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(profiles); i++) {
			const char *p = json_object_get_string(
				json_object_array_get_idx(profiles, i));

			if (p && strcmp(p, "sandbox") == 0)
				s->profile_net = strdup("sandbox");
		}
	}
	if (!s->profile_net)
		s->profile_net = strdup("default");
	if (!s->name || !s->instance) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return TAKE_PTR(s);
}

json_object *
sb_sandbox_proxy(const char *proto, int host_port, const char *addr,
		 int guest_port)
{
	json_object *d = json_object_new_object();
	char l[64], cn[96];

	snprintf(l, sizeof(l), "%s:127.0.0.1:%d", proto, host_port);
	snprintf(cn, sizeof(cn), "%s:%s:%d", proto, addr ? addr : "127.0.0.1",
		 guest_port);
	json_object_object_add(d, "type", json_object_new_string("proxy"));
	json_object_object_add(d, "listen", json_object_new_string(l));
	json_object_object_add(d, "connect", json_object_new_string(cn));
	if (addr)
		json_object_object_add(d, "nat", json_object_new_string("true"));
	return d;
}

void
sb_sandbox_free(struct sb_sandbox *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nports; i++)
		free(s->ports[i].device);
	SB_FREE_MANY(s->ports, s->name, s->instance, s->status, s->stack,
		     s->repo, s->branch, s->domains_file, s->deploy_key_id,
		     s->ipv4, s->fixed_ipv4, s->nic_network, s->allow_cidr,
		     s->profile_net, s->pool, s->creating);
	sb_text_wipe(s->env_json);
	free(s);
}

void
sb_sandbox_list_free(struct sb_sandbox **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_sandbox_free(v[i]);
	free(v);
}

struct sb_sandbox *
sb_sandbox_get(struct sb_incus *c, const char *name, struct sb_error **err)
{
	_cleanup_free_ char *inst = sb_name_instance(name);
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *m = NULL;

	if (sb_name_check(name, err) < 0)
		return NULL;
	/* The plain GET has config and expanded devices; recursion=1 would
	 * make Incus gather the runtime state too (~12 ms) for nothing. */
	if (asprintf(&path, "/1.0/instances/%s", inst) < 0)
		return NULL;
	m = sb_incus_get(c, path, NULL, err);
	if (!m) {
		if (err && *err && (*err)->code == SB_E_NOTFOUND)
			sb_error_set(err, SB_E_NOTFOUND,
				     "sandbox '%s' not found (instance %s): "
				     "create it with 'sandbox-start %s'", name,
				     inst,
				     name);
		return NULL;
	}
	return sb_sandbox_from_json(m, err);
}

int
sb_sandbox_list(struct sb_incus *c, int with_state, struct sb_sandbox ***out,
		size_t *n, struct sb_error **err)
{
	_cleanup_json_ json_object *arr = sb_incus_get(c,
		with_state ? "/1.0/instances?recursion=2" :
			     "/1.0/instances?recursion=1", NULL, err);
	struct sb_sandbox **v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!arr)
		return -1;
	if (!json_object_is_type(arr, json_type_array))
		return sb_error_set(err, SB_E_DAEMON,
				    "listing instances: unexpected reply");
	for (size_t i = 0; i < sb_json_array_len(arr); i++) {
		json_object *inst = json_object_array_get_idx(arr, i);
		_cleanup_sandbox_ struct sb_sandbox *s = NULL;

		if (!sb_name_from_instance(sb_json_str(inst, "name")))
			continue;
		s = sb_sandbox_from_json(inst, SB_IGNORE);
		if (!s)
			continue;
		struct sb_sandbox **nv = realloc(v, (k + 1) * sizeof(*nv));
		if (!nv) {
			sb_sandbox_list_free(v, k);
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		}
		v = nv;
		v[k++] = TAKE_PTR(s);
	}
	*out = v;
	*n = k;
	return 0;
}

int
sb_slots_in_use(struct sb_incus *c, unsigned char used[SB_SLOT_MAX + 1],
		unsigned char *used_ports, struct sb_error **err)
{
	_cleanup_json_ json_object *arr =
		sb_incus_get(c, "/1.0/instances?recursion=1", NULL, err);

	memset(used, 0, SB_SLOT_MAX + 1);
	if (used_ports)
		memset(used_ports, 0, 65536);
	if (!arr)
		return -1;
	for (size_t i = 0; i < sb_json_array_len(arr); i++) {
		json_object *inst = json_object_array_get_idx(arr, i);
		json_object *cfg = obj_member(inst, "config");
		json_object *devs = obj_member(inst, "devices");
		const char *v = sb_json_str(cfg, SB_KEY("slot"));
		long slot;

		if (v && sb_parse_int(v, SB_SLOT_MIN, SB_SLOT_MAX, "slot",
				      &slot, SB_IGNORE) == 0)
			used[slot] = 1;
		if (!used_ports || !devs)
			continue;
		json_object_object_foreach(devs, key, d) {
			int port = sb_listen_port(sb_json_str(d, "listen"));

			(void)key;
			if (port)
				used_ports[port] = 1;
		}
	}
	return 0;
}
