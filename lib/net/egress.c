/* Egress control (see egress.h): glue between the sandbox model, the
 * nftables table (firewall.h), Squid (squid.c) and connection tracking
 * (conntrack.c).
 *
 * Every rule is keyed on the address pinned in the sandbox's NIC device
 * (address.h), never on what the container reports about itself.
 * Per-sandbox state is not kept anywhere of ours: the firewall's set
 * elements carry the sandbox's NAME as a comment and Squid's ACL files
 * name it in their first line, so remove(NAME) finds everything, and
 * apply first sweeps whatever an earlier holder of the same address
 * left. */
#include "net/egress.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/allowlist.h"
#include "core/buf.h"
#include "model/cidr.h"
#include "model/address.h"
#include "core/cleanup.h"
#include "net/conntrack.h"
#include "net/firewall.h"
#include "sys/lock.h"
#include "sys/paths.h"
#include "sys/invoker.h"
#include "model/sandbox.h"
#include "net/squid.h"

static char summary[512];

/* The bridge's IPv4 address and prefix length, from the interface
 * itself (no daemon round trip). */
static int
bridge_addr(char out[INET_ADDRSTRLEN], int *prefix, struct sb_error **err)
{
	struct ifaddrs *ifa, *i;
	int found = 0;

	if (getifaddrs(&ifa) < 0)
		return sb_error_sys(err, "listing interfaces");
	for (i = ifa; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, SB_BRIDGE) == 0) {
			found = inet_ntop(AF_INET,
				&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				out, INET_ADDRSTRLEN) != NULL;
			if (prefix && i->ifa_netmask)
				*prefix = __builtin_popcount(
					((struct sockaddr_in *)
					 i->ifa_netmask)->sin_addr.s_addr);
		}
	freeifaddrs(ifa);
	if (!found)
		return sb_error_set(err, SB_E_NOTFOUND, "bridge %s has no "
				    "IPv4 address: run sandbox-setup",
				    SB_BRIDGE);
	return 0;
}

int
sb_egress_slot_address(int slot, char out[INET_ADDRSTRLEN],
		       struct sb_error **err)
{
	char b4[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
	int prefix = 0;

	if (bridge_addr(b4, &prefix, err) < 0)
		return -1;
	snprintf(cidr, sizeof(cidr), "%s/%d", b4, prefix);
	return sb_address_for_slot(cidr, slot, out, err);
}

int
sb_egress_check(const struct sb_egress_opts *o, json_object *cfg,
		struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf cidrs = { 0 };

	if (o->restrict_domains || o->domains_file) {
		_cleanup_free_ char *home = sb_invoker_home();
		_cleanup_free_ char *path = sb_allowlist_resolve(
			o->domains_file, home, sb_paths_datadir());
		char abs[PATH_MAX];
		struct sb_allowlist al = { 0 };

		if (!path)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (sb_allowlist_load(&al, path, err) < 0)
			return -1;
		sb_allowlist_release(&al);
		/* Stored absolute: restart re-reads it from anywhere. */
		if (!realpath(path, abs))
			return sb_error_sys(err, "resolving %s", path);
		json_object_object_add(cfg, SB_KEY("restrict-domains"),
				       json_object_new_string("yes"));
		json_object_object_add(cfg, SB_KEY("domains-file"),
				       json_object_new_string(abs));
	}
	for (size_t i = 0; i < o->nallow_cidr; i++) {
		struct sb_cidr c;
		char t[SB_CIDR_TEXT_MAX];

		if (sb_cidr_parse(o->allow_cidr[i], &c, err) < 0)
			return sb_error_prefix(err, "--allow-cidr");
		if (sb_cidr_check_openable(&c, err) < 0)
			return -1;
		sb_cidr_format(&c, t);
		sb_buf_appendf(&cidrs, "%s%s", cidrs.len ? "," : "", t);
	}
	if (cidrs.overflow)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (cidrs.len)
		json_object_object_add(cfg, SB_EGRESS_KEY_CIDR,
				       json_object_new_string(cidrs.data));
	return 0;
}

static int
install_base(const char *b4, struct sb_error **err)
{
	struct sb_fw_host h = {
		.bridge = SB_BRIDGE, .bridge4 = b4,
		.squid_http = SB_SQUID_HTTP_PORT,
		.squid_https = SB_SQUID_HTTPS_PORT,
	};
	_cleanup_free_ char *script = sb_fw_base_script(&h, err);

	if (!script || sb_fw_run(script, 0, err) < 0) {
		/* Never on without the rules that make it safe. */
		sb_fw_route_localnet(SB_BRIDGE, 0, SB_IGNORE);
		return sb_error_prefix(err, "installing the egress firewall");
	}
	/* Only once to_host drops the bridge's traffic to 127.0.0.0/8. */
	if (sb_fw_route_localnet(SB_BRIDGE, 1, err) < 0)
		return sb_error_prefix(err, "installing the egress firewall");
	return 0;
}

int
sb_egress_setup(struct sb_error **err)
{
	char b4[INET_ADDRSTRLEN];
	int lock, bridge_ok;

	summary[0] = '\0';
	if (bridge_addr(b4, NULL, err) < 0)
		return -1;
	if ((lock = sb_lock_take("egress", err)) < 0)
		return -1;
	bridge_ok = sb_fw_bridge_family_works();
	if (install_base(b4, err) < 0 || sb_squid_setup(b4, err) < 0) {
		sb_lock_release(lock);
		return -1;
	}
	sb_lock_release(lock);
	/* Say which mechanism is in force, so nobody goes looking for
	 * Incus network ACLs that this kernel cannot run. */
	snprintf(summary, sizeof(summary),
		 "egress: nftables table inet %s (forward/input hooks with "
		 "conntrack on %s)%s; squid pid %d on %s:%d/%d",
		 SB_FW_TABLE, SB_BRIDGE,
		 bridge_ok ? "" : "; bridge-family conntrack/reject not "
		 "available on this kernel, so Incus network ACLs are not "
		 "used", sb_squid_pid(), b4, SB_SQUID_HTTP_PORT,
		 SB_SQUID_HTTPS_PORT);
	return 0;
}

const char *
sb_egress_summary(void)
{
	return summary;
}

/* The firewall's current listing, installing the host-wide part first
 * when it is missing or incomplete (a reboot, `nft delete table`, a
 * flushed chain). */
static char *
listing(struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_free_ char *json = sb_fw_list_json(&e);
	char b4[INET_ADDRSTRLEN];

	if (json && sb_fw_base_present(json)) {
		if (!sb_fw_route_localnet_on(SB_BRIDGE) &&
		    sb_fw_route_localnet(SB_BRIDGE, 1, err) < 0)
			return NULL;
		return TAKE_PTR(json);
	}
	if (e && e->code != SB_E_NOTFOUND) {
		*err = TAKE_PTR(e);
		return NULL;
	}
	if (bridge_addr(b4, NULL, err) < 0 || install_base(b4, err) < 0)
		return NULL;
	return sb_fw_list_json(err);
}

static int
apply_locked(const struct sb_sandbox *s, const char *ipv4,
	     struct sb_error **err)
{
	_cleanup_free_ struct sb_cidr *cidrs = NULL;
	_cleanup_free_ struct sb_fw_port *ports = NULL;
	_cleanup_free_ char *json = NULL, *del = NULL, *add = NULL;
	_cleanup_free_ char *script = NULL;
	size_t ncidrs = 0;
	struct sb_fw_sandbox fs;
	int changed = 0;

	if (sb_cidr_parse_list(s->allow_cidr, &cidrs, &ncidrs, err) < 0)
		return sb_error_prefix(err, "%s", SB_EGRESS_KEY_CIDR);
	/* Stored by an older version, or edited by hand: refused here too,
	 * so no start can open what --allow-cidr would refuse. */
	for (size_t i = 0; i < ncidrs; i++)
		if (sb_cidr_check_openable(&cidrs[i], err) < 0)
			return sb_error_prefix(err, "remove the sandbox and "
					       "create it again without it");
	ports = calloc(s->nports ? s->nports : 1, sizeof(*ports));
	if (!ports)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < s->nports; i++) {
		ports[i].proto = s->ports[i].proto;
		ports[i].port = s->ports[i].guest_port;
	}
	fs = (struct sb_fw_sandbox){
		.name = s->name, .ipv4 = ipv4, .restricted = s->restricted,
		.cidrs = cidrs, .ncidrs = ncidrs,
		.ports = ports, .nports = s->nports,
	};
	if (!(add = sb_fw_sandbox_script(&fs, err)))
		return -1;
	/* Squid first: by the time the redirect exists, Squid knows the
	 * sandbox.  Either way nothing is let through unfiltered. */
	if (s->restricted) {
		_cleanup_free_ char *home = sb_invoker_home();
		_cleanup_free_ char *path = sb_allowlist_resolve(
			s->domains_file, home, sb_paths_datadir());
		struct sb_allowlist al = { 0 };
		int r;

		if (!path)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (sb_allowlist_load(&al, path, err) < 0)
			return -1;
		if (sb_squid_ensure(err) < 0) {
			sb_allowlist_release(&al);
			return -1;
		}
		r = sb_squid_allow(s->name, ipv4, &al, err);
		sb_allowlist_release(&al);
		if (r < 0)
			return -1;
		changed = r > 0;
	} else if (sb_squid_forget(s->name, ipv4, 1, err) < 0) {
		return -1;
	}
	/* One transaction: the sandbox's old elements (by name, and any
	 * left by an earlier holder of the address) out, the new ones in. */
	if (!(json = listing(err)))
		return -1;
	changed |= sb_fw_sandbox_differs(json, &fs);
	if (!(del = sb_fw_cleanup_script(json, s->name, ipv4, err)))
		return -1;
	if (asprintf(&script, "%s%s", del, add) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_fw_run(script, 0, err) < 0)
		return -1;
	/* Nothing opened under the old rules survives the new ones (the
	 * established-connection accept comes first in from_sandbox). */
	if (changed && s->running &&
	    sb_conntrack_flush(ipv4, err) < 0)
		return -1;
	return 0;
}

int
sb_egress_on_bridge(const struct sb_sandbox *s)
{
	return s->nic_network && strcmp(s->nic_network, SB_BRIDGE) == 0;
}

int
sb_egress_apply(const struct sb_sandbox *s, struct sb_error **err)
{
	int lock, r;

	if (!sb_egress_on_bridge(s)) {
		if (!s->restricted)
			return 0;
		return sb_error_set(err, SB_E_INPUT, "sandbox '%s' asks for "
			"filtered egress but its NIC is on %s, which the "
			"filter does not cover: move it with 'incus config "
			"device override %s eth0 network=%s' (stopped), or "
			"clear user.sandbox.restrict-domains", s->name,
			s->nic_network ? s->nic_network : "no network",
			s->instance, SB_BRIDGE);
	}
	if (!s->fixed_ipv4)
		return sb_error_set(err, SB_E_FAIL, "egress for '%s': its NIC "
				    "has no pinned address (ipv4.address) "
				    "to key rules on: stop it and start it "
				    "again with sandbox-start", s->name);
	if ((lock = sb_lock_take("egress", err)) < 0)
		return -1;
	r = apply_locked(s, s->fixed_ipv4, err);
	sb_lock_release(lock);
	if (r < 0)
		return sb_error_prefix(err, "egress for '%s'", s->name);
	return 0;
}

void
sb_egress_remove(const char *name, const char *ipv4)
{
	_cleanup_free_ char *json = NULL, *del = NULL;
	int lock = sb_lock_take("egress", SB_IGNORE);

	json = sb_fw_list_json(SB_IGNORE);
	if (json && (del = sb_fw_cleanup_script(json, name, NULL, SB_IGNORE)) &&
	    *del)
		sb_fw_run(del, 0, SB_IGNORE);
	sb_squid_forget(name, NULL, 1, SB_IGNORE);
	/* The next holder of the address starts with no connection of
	 * this one's. */
	if (ipv4)
		sb_conntrack_flush(ipv4, SB_IGNORE);
	if (lock >= 0)
		sb_lock_release(lock);
}

int
sb_egress_expose(const struct sb_sandbox *s, int port, int proto, int add,
		 struct sb_error **err)
{
	_cleanup_free_ char *script = NULL, *json = NULL;
	const char *addr = s->fixed_ipv4;
	int lock, r;

	/* Stopped (apply reads the port devices when it starts), or not
	 * on our bridge: nothing to do now. */
	if (!s->running || !addr || !sb_egress_on_bridge(s))
		return 0;
	if (!(script = sb_fw_port_script(s->name, addr, proto, port, add,
					 err)))
		return -1;
	if ((lock = sb_lock_take("egress", err)) < 0)
		return -1;
	if (!add) {
		/* Deleting a missing element fails the transaction: only
		 * delete what is there. */
		_cleanup_free_ char *needle = NULL;

		json = sb_fw_list_json(SB_IGNORE);
		if (asprintf(&needle, "[\"%s\", \"%s\", %d]", addr,
			     proto == SB_UDP ? "udp" : "tcp", port) < 0 ||
		    !json || !strstr(json, needle)) {
			sb_lock_release(lock);
			return 0;
		}
	} else if (!(json = listing(err))) {
		sb_lock_release(lock);
		return -1;
	}
	r = sb_fw_run(script, 0, err);
	if (r == 0 && !add)
		r = sb_conntrack_flush(addr, err) < 0 ? -1 : 0;
	sb_lock_release(lock);
	if (r < 0)
		return sb_error_prefix(err, "%s outbound port %d for '%s'",
				       add ? "opening" : "closing", port,
				       s->name);
	return 0;
}

const char *
sb_egress_mode(const struct sb_sandbox *s)
{
	return s->restricted ? "filtered" : "open";
}

void
sb_egress_view_load(struct sb_egress_view *v)
{
	struct sb_error **e = SB_IGNORE;

	v->json = sb_fw_list_json(e);
	v->base = sb_fw_base_present(v->json);
	/* A table that is missing is a fact; a listing we may not read (no
	 * CAP_NET_ADMIN) is not, and must not say unfiltered!. */
	v->known = v->json || sb_error_is(*e, SB_E_NOTFOUND);
}

void
sb_egress_view_release(struct sb_egress_view *v)
{
	free(v->json);
	v->json = NULL;
}

const char *
sb_egress_status(const struct sb_egress_view *v, const struct sb_sandbox *s)
{
	/* A stopped sandbox sends nothing: what it will get is its
	 * configuration. */
	if (!s->running)
		return sb_egress_mode(s);
	if (!sb_egress_on_bridge(s))
		return s->restricted ? SB_EGRESS_UNFILTERED : "open";
	if (!v->known)
		return "?";
	/* Whatever it asked for, a sandbox on our bridge without the
	 * host-wide rules reaches private ranges and the metadata
	 * address. */
	if (!v->base)
		return SB_EGRESS_UNFILTERED;
	if (s->restricted &&
	    !sb_fw_has_element(v->json, "restricted4", s->fixed_ipv4))
		return SB_EGRESS_UNFILTERED;
	return sb_egress_mode(s);
}
