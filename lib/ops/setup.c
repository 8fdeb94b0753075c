#include "ops/setup.h"

#include <fcntl.h>
#include <grp.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/address.h"
#include "core/cleanup.h"
#include "core/text.h"
#include "sys/clock.h"
#include "sys/fileio.h"
#include "sys/paths.h"
#include "sys/spawn.h"

void
sb_setup_report_add(struct sb_setup_report *rep, int changed,
		    const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = sb_text_vfmt(fmt, ap);
	va_end(ap);
	if (changed)
		rep->changed = 1;
	if (!s || rep->n >= (int)(sizeof(rep->lines) / sizeof(rep->lines[0]))) {
		free(s);
		return;
	}
	rep->lines[rep->n++] = s;
}

void
sb_setup_report_release(struct sb_setup_report *rep)
{
	for (int i = 0; i < rep->n; i++)
		free(rep->lines[i]);
	rep->n = 0;
}

static int
wait_ready(struct sb_incus *c, double timeout, struct sb_error **err)
{
	double deadline = sb_clock_now() + timeout;

	for (;;) {
		_cleanup_error_ struct sb_error *e = NULL;
		/* /internal/ready answers once early start tasks are done,
		 * which is what `incus admin waitready` waits for. */
		_cleanup_json_ json_object *m =
			sb_incus_get(c, "/internal/ready", NULL, &e);
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (m)
			return 0;
		if (!e || (e->code != SB_E_NODAEMON && e->http_status != 503 &&
			   e->code != SB_E_DAEMON)) {
			sb_error_pass(err, &e);
			return -1;
		}
		if (sb_clock_now() > deadline) {
			sb_error_pass(err, &e);
			return sb_error_prefix(err,
				"Incus did not become ready within %.0f s "
				"(log: /var/log/incus/incusd.log)", timeout);
		}
		nanosleep(&ts, NULL);
	}
}

/* incusd in the background, as the packaged service runs it, minus
 * systemd: a session of its own, output to its log, none of our
 * descriptors, and none of our caller's variables (a GitHub token), only
 * the PATH the packaged service gives it. */
static int
start_incusd(struct sb_error **err)
{
	const char *grp = getgrnam("incus-admin") ? "incus-admin" : "root";
	const char *argv[] = { "incusd", "--group", grp, NULL };
	char *const env[] = { "PATH=/usr/libexec/incus:/usr/sbin:/usr/bin:"
			      "/sbin:/bin",
			      "LC_ALL=C", NULL };
	struct sb_spawn s = { .argv = argv,
			      .envp = env,
			      .file = "/usr/libexec/incus/incusd",
			      .new_session = 1,
			      .in = { .how = SB_SPAWN_NULL } };
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_close_ int log = -1;

	if (sb_paths_mkdirs("/var/log/incus", 0755, err) < 0)
		return -1;
	log = open("/var/log/incus/incusd.log",
		   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (log < 0)
		return sb_error_sys(err, "opening /var/log/incus/incusd.log");
	s.out = s.err = (struct sb_spawn_io){ .how = SB_SPAWN_FD, .fd = log };
	if (sb_spawn_start(&s, &e) < 0 && !s.exec_errno)
		return sb_error_pass(err, &e);
	/* Not there to run: wait_ready says Incus never came up. */
	return 0;
}

int
sb_setup_daemon(struct sb_incus *c, struct sb_setup_report *rep,
		struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	struct stat st;

	if (sb_incus_ping(c, NULL, &e) == 0)
		return wait_ready(c, 120, err);
	if (!sb_error_is(e, SB_E_NODAEMON)) {
		sb_error_pass(err, &e);
		return -1;
	}
	if (getuid() != 0)
		return sb_error_set(err, SB_E_PERM,
			"Incus is not running and starting it needs root: run "
			"sudo sandbox-setup");
	if (stat("/run/systemd/system", &st) == 0) {
		const char *argv[] = { "systemctl", "start", "incus.socket",
				       "incus.service", NULL };
		_cleanup_buf_ struct sb_buf eo = { 0 };
		int rc = sb_spawn_cmd(argv, NULL, 0, NULL, &eo, err);

		if (rc != 0) {
			if (rc > 0)
				sb_error_set(err, SB_E_FAIL,
					     "systemctl start incus: %s",
					     eo.data ? eo.data : "failed");
			return -1;
		}
		sb_setup_report_add(rep, 1, "incus: started with systemctl");
	} else if (start_incusd(err) < 0) {
		return -1;
	} else {
		sb_setup_report_add(rep, 1,
			"incus: started incusd in the background (no init "
			"system; log /var/log/incus/incusd.log)");
	}
	return wait_ready(c, 120, err);
}

/* The pool to use: the one the profile already names, else a btrfs pool
 * called "sandbox" or "default", else any btrfs pool; NULL when none. */
static char *
find_btrfs_pool(struct sb_incus *c, struct sb_error **err)
{
	_cleanup_json_ json_object *pools =
		sb_incus_get(c, "/1.0/storage-pools?recursion=1", NULL, err);
	const char *prefer[] = { SB_POOL, "default", NULL };

	if (!pools)
		return NULL;
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < sb_json_array_len(pools); i++) {
			json_object *p = json_object_array_get_idx(pools, i);
			const char *name = sb_json_str(p, "name");
			const char *drv = sb_json_str(p, "driver");

			if (!name || !drv || strcmp(drv, "btrfs") != 0)
				continue;
			if (pass == 2 || strcmp(name, prefer[pass]) == 0)
				return strdup(name);
		}
	}
	return NULL;
}

char *
sb_setup_pool_of_profile(struct sb_incus *c, struct sb_error **err)
{
	_cleanup_json_ json_object *p =
		sb_incus_get(c, "/1.0/profiles/" SB_PROFILE, NULL, err);
	json_object *devs, *root;
	const char *pool;

	if (!p)
		return NULL;
	if (!json_object_object_get_ex(p, "devices", &devs) ||
	    !json_object_object_get_ex(devs, "root", &root) ||
	    !(pool = sb_json_str(root, "pool")))
		return NULL;
	return strdup(pool);
}

/* A request body that makes an Incus object (a storage pool, a network):
 * its name, kind and description, and *cfg, its config, to fill in. */
static json_object *
new_object_body(const char *name, const char *kind_key, const char *kind,
		const char *description, json_object **cfg)
{
	json_object *body = json_object_new_object();

	*cfg = json_object_new_object();
	sb_json_add_str(body, "name", name);
	sb_json_add_str(body, kind_key, kind);
	sb_json_add_str(body, "description", description);
	json_object_object_add(body, "config", *cfg);
	return body;
}

static int
ensure_pool(struct sb_incus *c, const struct sb_setup_opts *o, char **pool,
	    struct sb_setup_report *rep, struct sb_error **err)
{
	_cleanup_json_ json_object *body = NULL, *r = NULL;
	json_object *cfg;

	*pool = find_btrfs_pool(c, err);
	if (*pool) {
		sb_setup_report_add(rep, 0, "storage pool %s (btrfs): found",
				    *pool);
		return 0;
	}
	if (err && *err)
		return -1;
	body = new_object_body(SB_POOL, "driver", "btrfs",
			       "sandbox: golden images and sandboxes (btrfs "
			       "clones)",
			       &cfg);
	/* No source: Incus makes a sparse loop file of this size. */
	sb_json_add_str(cfg, "size", o->pool_size ? o->pool_size : "30GiB");
	r = sb_incus_call(c, "POST", "/1.0/storage-pools", body, NULL, err);
	if (!r)
		return sb_error_prefix(err, "creating btrfs storage pool %s",
				       SB_POOL);
	*pool = strdup(SB_POOL);
	sb_setup_report_add(rep, 1,
			    "storage pool %s (btrfs, loop-backed, %s): created",
			    SB_POOL, o->pool_size ? o->pool_size : "30GiB");
	return 0;
}

/* True when 10.87.N.0/24 overlaps a route of the host or another Incus
 * network.  Incus's own "auto" pings candidate ranges and fails on hosts
 * where something answers for every address, so we choose ourselves. */
static int
subnet_taken(unsigned n, json_object *nets)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "r");
	char line[256];
	uint32_t net = htonl(0x0a570000u | (n << 8)), mask = htonl(0xffffff00u);
	int taken = 0;

	while (f && !taken && fgets(line, sizeof(line), f)) {
		char ifn[64];
		unsigned dst, gw, flags, refc, use, metric, msk;

		if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifn, &dst, &gw,
			   &flags, &refc, &use, &metric, &msk) != 8)
			continue;
		if (msk == 0)
			continue; /* the default route overlaps all */
		if ((dst & msk & mask) == (net & msk & mask))
			taken = 1;
	}
	for (size_t i = 0; !taken && i < sb_json_array_len(nets); i++) {
		json_object *cfg;
		const char *a;
		unsigned b1, b2, b3, b4;

		if (!json_object_object_get_ex(json_object_array_get_idx(nets, i),
					       "config", &cfg) ||
		    !(a = sb_json_str(cfg, "ipv4.address")) ||
		    sscanf(a, "%u.%u.%u.%u", &b1, &b2, &b3, &b4) != 4)
			continue;
		if (b1 == 10 && b2 == 87 && b3 == n)
			taken = 1;
	}
	return taken;
}

static char *
pick_subnet(struct sb_incus *c, struct sb_error **err)
{
	_cleanup_json_ json_object *nets =
		sb_incus_get(c, "/1.0/networks?recursion=1", NULL, err);
	char *s;

	if (!nets)
		return NULL;
	for (unsigned n = 20; n < 256; n++) {
		if (subnet_taken(n, nets))
			continue;
		if (asprintf(&s, "10.87.%u.1/24", n) < 0)
			return NULL;
		return s;
	}
	sb_error_set(err, SB_E_FAIL, "no free 10.87.N.0/24 subnet for %s",
		     SB_BRIDGE);
	return NULL;
}

/* Dynamic DHCP keeps to the low addresses; the slots' fixed addresses
 * (address.h) are above them.  Set on a bridge made before that split. */
static int
set_dhcp_range(struct sb_incus *c, const char *subnet,
	       struct sb_setup_report *rep, struct sb_error **err)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL;
	json_object *cfg = json_object_new_object();
	char range[64];

	if (sb_address_dhcp_range(subnet, range, err) < 0)
		return -1;
	json_object_object_add(cfg, "ipv4.dhcp.ranges",
			       json_object_new_string(range));
	json_object_object_add(body, "config", cfg);
	r = sb_incus_call(c, "PATCH", "/1.0/networks/" SB_BRIDGE, body, NULL,
			  err);
	if (!r)
		return sb_error_prefix(err, "setting the DHCP range of %s",
				       SB_BRIDGE);
	sb_setup_report_add(rep, 1, "bridge %s (%s): DHCP limited to %s, "
			    "slots get fixed addresses above it", SB_BRIDGE,
			    subnet, range);
	return 0;
}

static int
ensure_bridge(struct sb_incus *c, struct sb_setup_report *rep,
	      struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *n =
		sb_incus_get(c, "/1.0/networks/" SB_BRIDGE, NULL, &e);
	_cleanup_json_ json_object *body = NULL, *r = NULL;
	_cleanup_free_ char *subnet = NULL;
	char range[64];
	json_object *cfg;

	if (n) {
		json_object *ncfg = NULL;
		const char *addr = NULL;

		if (json_object_object_get_ex(n, "config", &ncfg))
			addr = sb_json_str(ncfg, "ipv4.address");
		if (addr && !sb_json_str(ncfg, "ipv4.dhcp.ranges"))
			return set_dhcp_range(c, addr, rep, err);
		sb_setup_report_add(rep, 0, "bridge %s (%s): found", SB_BRIDGE,
				    addr ? addr : "no IPv4");
		return 0;
	}
	if (!sb_error_is(e, SB_E_NOTFOUND))
		return sb_error_pass(err, &e);
	subnet = pick_subnet(c, err);
	if (!subnet || sb_address_dhcp_range(subnet, range, err) < 0)
		return -1;
	body = new_object_body(SB_BRIDGE, "type", "bridge",
			       "sandbox: isolated bridge for agent containers",
			       &cfg);
	sb_json_add_str(cfg, "ipv4.address", subnet);
	sb_json_add_str(cfg, "ipv4.dhcp.ranges", range);
	sb_json_add_str(cfg, "ipv4.nat", "true");
	/* IPv4 only: one address family to filter keeps the egress policy
	 * simple to reason about. */
	sb_json_add_str(cfg, "ipv6.address", "none");
	r = sb_incus_call(c, "POST", "/1.0/networks", body, NULL, err);
	if (!r)
		return sb_error_prefix(err, "creating bridge %s", SB_BRIDGE);
	sb_setup_report_add(rep, 1, "bridge %s (%s, NAT, IPv4 only): created",
			    SB_BRIDGE, subnet);
	return 0;
}

json_object *
sb_setup_nic(const char *ipv4)
{
	json_object *nic = json_object_new_object();

	json_object_object_add(nic, "type", json_object_new_string("nic"));
	json_object_object_add(nic, "network", json_object_new_string(SB_BRIDGE));
	json_object_object_add(nic, "name", json_object_new_string("eth0"));
	/* Sandboxes cannot talk to each other, nor spoof addresses: with
	 * ipv4.address pinned, the only address a sandbox can send from is
	 * the one its rules are keyed on. */
	json_object_object_add(nic, "security.port_isolation",
			       json_object_new_string("true"));
	json_object_object_add(nic, "security.ipv4_filtering",
			       json_object_new_string("true"));
	json_object_object_add(nic, "security.ipv6_filtering",
			       json_object_new_string("true"));
	if (ipv4)
		json_object_object_add(nic, "ipv4.address",
				       json_object_new_string(ipv4));
	return nic;
}

/* Only sandbox-start starts a sandbox: Incus restarting one by itself
 * (after a host reboot or a daemon restart) could bring it up before
 * its firewall rules exist (DESIGN.md, "Fail closed"). */
static json_object *
no_autostart(void)
{
	json_object *cfg = json_object_new_object();

	json_object_object_add(cfg, "boot.autostart",
			       json_object_new_string("false"));
	return cfg;
}

static int
set_no_autostart(struct sb_incus *c, struct sb_setup_report *rep,
		 struct sb_error **err)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL;

	json_object_object_add(body, "config", no_autostart());
	r = sb_incus_call(c, "PATCH", "/1.0/profiles/" SB_PROFILE, body, NULL,
			  err);
	if (!r)
		return sb_error_prefix(err, "setting boot.autostart on "
				       "profile %s", SB_PROFILE);
	sb_setup_report_add(rep, 1, "profile %s: boot.autostart=false (only "
			    "sandbox-start starts sandboxes)", SB_PROFILE);
	return 0;
}

static int
ensure_profile(struct sb_incus *c, const char *pool,
	       struct sb_setup_report *rep, struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *p =
		sb_incus_get(c, "/1.0/profiles/" SB_PROFILE, NULL, &e);
	_cleanup_json_ json_object *body = NULL, *r = NULL;
	json_object *devs, *root, *nic;

	if (p) {
		_cleanup_free_ char *ppool = sb_setup_pool_of_profile(c, SB_IGNORE);
		json_object *pcfg = NULL;

		json_object_object_get_ex(p, "config", &pcfg);
		if (!sb_json_str(pcfg, "boot.autostart"))
			return set_no_autostart(c, rep, err);
		sb_setup_report_add(rep, 0, "profile %s (root on %s): found",
				    SB_PROFILE, ppool ? ppool : "?");
		return 0;
	}
	if (!sb_error_is(e, SB_E_NOTFOUND))
		return sb_error_pass(err, &e);
	body = json_object_new_object();
	devs = json_object_new_object();
	root = json_object_new_object();
	nic = sb_setup_nic(NULL);
	json_object_object_add(body, "name", json_object_new_string(SB_PROFILE));
	json_object_object_add(body, "description", json_object_new_string(
		"sandbox: root on btrfs, isolated NIC on " SB_BRIDGE));
	json_object_object_add(root, "type", json_object_new_string("disk"));
	json_object_object_add(root, "path", json_object_new_string("/"));
	json_object_object_add(root, "pool", json_object_new_string(pool));
	json_object_object_add(devs, "root", root);
	json_object_object_add(devs, "eth0", nic);
	json_object_object_add(body, "devices", devs);
	json_object_object_add(body, "config", no_autostart());
	r = sb_incus_call(c, "POST", "/1.0/profiles", body, NULL, err);
	if (!r)
		return sb_error_prefix(err, "creating profile %s", SB_PROFILE);
	sb_setup_report_add(rep, 1, "profile %s (root on %s, NIC on %s with "
			    "port isolation and IP filtering): created",
			    SB_PROFILE, pool, SB_BRIDGE);
	return 0;
}

/* Kernel limits that many containers on one host exhaust at their
 * defaults: every container's systemd takes inotify instances, and the
 * containers' root users are one host uid, so the default 128 instances
 * run out at about a dozen sandboxes (dnsmasq then fails to start).
 * Values as in Incus's production-setup guide; only ever raised. */
static const struct { const char *key; long min; } limits[] = {
	{ "fs.inotify.max_queued_events", 1048576 },
	{ "fs.inotify.max_user_instances", 1048576 },
	{ "fs.inotify.max_user_watches", 1048576 },
	{ "vm.max_map_count", 262144 },
	{ "kernel.keys.maxkeys", 2000 },
	{ "kernel.keys.maxbytes", 2000000 },
};

#define SYSCTL_FILE "/etc/sysctl.d/60-sandbox.conf"

int
sb_setup_host_limits(struct sb_setup_report *rep, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf conf = { 0 }, old = { 0 };
	int raised = 0, ret = 0;

	sb_buf_appendf(&conf, "# Written by sandbox-setup: limits for many "
		       "containers on one host.\n");
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		char path[128], val[32] = "";
		FILE *f;
		long cur = -1;

		snprintf(path, sizeof(path), "/proc/sys/%s", limits[i].key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		sb_buf_appendf(&conf, "%s = %ld\n", limits[i].key, limits[i].min);
		if ((f = fopen(path, "r"))) {
			if (fgets(val, sizeof(val), f))
				cur = strtol(val, NULL, 10);
			fclose(f);
		}
		if (cur < 0 || cur >= limits[i].min)
			continue;
		if (!(f = fopen(path, "w")))
			return sb_error_sys(err, "raising %s", limits[i].key);
		/* Closed whether or not the write went through. */
		if ((fprintf(f, "%ld\n", limits[i].min) < 0) | (fclose(f) != 0))
			return sb_error_sys(err, "raising %s", limits[i].key);
		sb_setup_report_add(rep, 1, "kernel: %s raised from %ld to %ld",
				    limits[i].key, cur, limits[i].min);
		raised = 1;
	}
	/* Kept for the next boot, only rewritten when it differs. */
	if (sb_buf_read_file(SYSCTL_FILE, 65536, &old) < 0 || !old.data ||
	    strcmp(old.data, conf.data) != 0) {
		ret = sb_fileio_write(SYSCTL_FILE, conf.data, conf.len, 0644,
				      err);
		if (ret == 0 && !raised)
			sb_setup_report_add(rep, 1, "kernel: limits recorded in %s",
					    SYSCTL_FILE);
	}
	if (ret == 0 && !raised)
		sb_setup_report_add(rep, 0,
				    "kernel: limits for many containers: "
				    "found");
	return ret;
}

int
sb_setup_incus(struct sb_incus *c, const struct sb_setup_opts *o,
	       struct sb_setup_report *rep, struct sb_error **err)
{
	_cleanup_free_ char *pool = NULL;

	if (ensure_pool(c, o, &pool, rep, err) < 0 ||
	    ensure_bridge(c, rep, err) < 0 ||
	    ensure_profile(c, pool, rep, err) < 0)
		return -1;
	return 0;
}
