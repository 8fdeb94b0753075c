/* sandbox-expose: extra proxy devices port-PORT-PROTO, listening on the
 * host's loopback at PORT+slot (or --host-port) and connecting to PORT in
 * the container.  Allocation runs under the slot lock so two runs cannot
 * pick the same host port; Incus refusing a taken address is the
 * backstop. */
#include "ops/expose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "net/egress.h"
#include "sys/lock.h"
#include "incus/instance.h"
#include "model/sandbox.h"

/* The instance whose device listens on host port/proto, or NULL. */
static char *
port_owner(struct sb_incus *c, int port, int proto, char **device,
	   struct sb_error **err)
{
	_cleanup_json_ json_object *arr =
		sb_incus_get(c, "/1.0/instances?recursion=1", NULL, err);

	if (!arr)
		return NULL;
	for (size_t i = 0; i < sb_json_array_len(arr); i++) {
		json_object *inst = json_object_array_get_idx(arr, i);
		json_object *devs, *name, *l;

		if (!json_object_object_get_ex(inst, "devices", &devs) ||
		    !json_object_object_get_ex(inst, "name", &name))
			continue;
		json_object_object_foreach(devs, key, d) {
			const char *listen;

			if (!json_object_object_get_ex(d, "listen", &l))
				continue;
			listen = json_object_get_string(l);
			if (sb_listen_port(listen) != port ||
			    strncmp(listen, proto == SB_UDP ? "udp:" : "tcp:", 4))
				continue;
			*device = strdup(key);
			return strdup(json_object_get_string(name));
		}
	}
	return NULL;
}

/* The device name for port/proto: port-PORT-PROTO. */
static void
port_device(char *dev, size_t n, long port, int proto)
{
	snprintf(dev, n, "port-%ld-%s", port, proto == SB_UDP ? "udp" : "tcp");
}

static int
add_one(struct sb_incus *c, const struct sb_sandbox *s, int port, int host,
	int proto, struct sb_error **err)
{
	const char *pn = proto == SB_UDP ? "udp" : "tcp";
	_cleanup_free_ char *owner = NULL, *dev = NULL;
	_cleanup_json_ json_object *devs = json_object_new_object();
	char name[64];

	owner = port_owner(c, host, proto, &dev, err);
	if (!owner && err && *err)
		return -1;
	if (owner)
		return sb_error_set(err, SB_E_INPUT,
				    "host port %d/%s is already used by %s "
				    "(device %s): choose another with "
				    "--host-port", host, pn, owner, dev);
	port_device(name, sizeof(name), port, proto);
	/* In the kernel when the sandbox has its pinned address on our
	 * bridge; through forkproxy for a legacy one. */
	json_object_object_add(devs, name, sb_sandbox_proxy(
		pn, host, sb_egress_on_bridge(s) ? s->fixed_ipv4 : NULL, port));
	if (sb_instance_patch(c, s->instance, NULL, devs, err) < 0)
		return sb_error_prefix(err, "adding %s", name);
	return 0;
}

/* Takes port/proto's device away, then its outbound rule. */
static int
remove_one(struct sb_incus *c, struct sb_sandbox *s, long port, int proto,
	   struct sb_error **err)
{
	char dev[64];

	port_device(dev, sizeof(dev), port, proto);
	if (sb_instance_remove_device(c, s->instance, dev, err) < 0)
		return -1;
	sb_egress_expose(s, (int)port, proto, 0, SB_IGNORE);
	return 0;
}

/* --remove: *host_port gets the port the forward listened on. */
static int
unexpose(struct sb_incus *c, struct sb_sandbox *s, const char *name, long port,
	 int protos, int *host_port, struct sb_error **err)
{
	int found = 0;

	for (int p = SB_TCP; p <= SB_UDP; p <<= 1) {
		char dev[64];

		if (!(protos & p))
			continue;
		port_device(dev, sizeof(dev), port, p);
		for (size_t i = 0; i < s->nports; i++)
			if (strcmp(s->ports[i].device, dev) == 0) {
				found = 1;
				*host_port = s->ports[i].host_port;
			}
		if (remove_one(c, s, port, p, err) < 0)
			return -1;
	}
	if (!found)
		return sb_error_set(err, SB_E_NOTFOUND,
				    "port %ld is not exposed on '%s'", port,
				    name);
	return 0;
}

/* Adds the device and the rule of each protocol in protos, under the
 * slot lock the caller holds. */
static int
expose(struct sb_incus *c, struct sb_sandbox *s, long port, long host,
       int protos, struct sb_error **err)
{
	for (int p = SB_TCP; p <= SB_UDP; p <<= 1) {
		if (!(protos & p))
			continue;
		if (add_one(c, s, (int)port, (int)host, p, err) < 0 ||
		    sb_egress_expose(s, (int)port, p, 1, err) < 0) {
			/* "both" is all or nothing: the rule goes even
			 * when its device would not. */
			for (int q = SB_TCP; q <= p; q <<= 1)
				if ((protos & q) &&
				    remove_one(c, s, port, q, SB_IGNORE) < 0)
					sb_egress_expose(s, (int)port, q, 0,
							 SB_IGNORE);
			return -1;
		}
	}
	return 0;
}

int
sb_expose(struct sb_incus *c, const struct sb_expose_opts *o, int *host_port,
	  struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	long port, host = 0;
	int protos, lock, ret;

	if (sb_name_check(o->name, err) < 0 ||
	    sb_parse_int(o->port, 1, 65535, "port", &port, err) < 0)
		return -1;
	if (!o->proto || strcmp(o->proto, "tcp") == 0)
		protos = SB_TCP;
	else if (strcmp(o->proto, "udp") == 0)
		protos = SB_UDP;
	else if (strcmp(o->proto, "both") == 0)
		protos = SB_TCP | SB_UDP;
	else
		return sb_error_set(err, SB_E_INPUT,
				    "protocol '%s' must be tcp, udp, or both",
				    o->proto);
	if (o->host_port && sb_parse_int(o->host_port, 1, 65535, "host port",
					 &host, err) < 0)
		return -1;
	if (!(s = sb_sandbox_get(c, o->name, err)))
		return -1;
	if (o->remove)
		return unexpose(c, s, o->name, port, protos, host_port, err);
	if (!host && !s->slot)
		return sb_error_set(err, SB_E_INPUT,
				    "'%s' has no slot: give --host-port",
				    o->name);
	if (!host) {
		host = port + s->slot;
		if (host > 65535)
			return sb_error_set(err, SB_E_INPUT,
					    "port %ld + slot %d is past 65535: "
					    "give --host-port",
					    port, s->slot);
	}
	if ((lock = sb_lock_take("slots", err)) < 0)
		return -1;
	ret = expose(c, s, port, host, protos, err);
	sb_lock_release(lock);
	if (ret == 0)
		*host_port = (int)host;
	return ret;
}
