/* sandbox-start: restart-or-create with an undo path.  See start.h for the
 * order of steps.  Every step that changes the world is undone, in
 * reverse, when a later one fails, so a failed start leaves no instance,
 * device, key, agent or rule behind. */
#include "ops/start.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "creds/creds.h"
#include "net/egress.h"
#include "model/envfile.h"
#include "model/envstore.h"
#include "incus/files.h"
#include "ops/cache.h"
#include "ops/golden.h"
#include "sys/knobs.h"
#include "sys/clock.h"
#include "sys/lock.h"
#include "sys/signals.h"
#include "sys/invoker.h"
#include "incus/instance.h"
#include "model/sandbox.h"
#include "ops/setup.h"
#include "sys/userfile.h"
#include "core/text.h"

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

static int
check_cpu(const char *v, struct sb_error **err)
{
	/* limits.cpu: a count ("2") or a set of CPU ids ("0-1", "0,2"). */
	size_t n = v ? strlen(v) : 0;
	int digits = 0;

	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)v[i]))
			digits++;
		else if ((v[i] != '-' && v[i] != ',') || !digits)
			goto bad;
	}
	if (n && digits && isdigit((unsigned char)v[n - 1]) &&
	    !(strspn(v, "0") == n))
		return 0;
bad:
	return sb_error_set(err, SB_E_INPUT,
			    "invalid --cpu '%s': a number of CPUs (e.g. 2) or "
			    "a CPU set (e.g. 0-1) is allowed", v ? v : "");
}

static int
check_memory(const char *v, struct sb_error **err)
{
	static const char *const units[] = { "", "B", "kB", "MB", "GB", "TB",
					     "KiB", "MiB", "GiB", "TiB", "%" };
	size_t n = strspn(v, "0123456789");

	if (n > 0 && n < 16 && strspn(v, "0") < n)
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(v + n, units[i]) == 0 &&
			    (strcmp(units[i], "%") != 0 || atoi(v) <= 100))
				return 0;
	return sb_error_set(err, SB_E_INPUT,
			    "invalid --memory '%s': a size like 512MiB or 4GiB, "
			    "or a percentage like 50%%, is allowed", v);
}

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

/* The host user's public key: ed25519, then ecdsa, then rsa.  Read with
 * the user's rights (lib/sys/userfile.h): one they cannot read (a symlink to
 * a root-only file) is refused, not skipped, so they learn why.  1 found,
 * 0 none, -1 with *err. */
static int
host_pubkey(struct sb_buf *key, char **path, struct sb_error **err)
{
	static const char *const names[] = { "id_ed25519.pub", "id_ecdsa.pub",
					     "id_rsa.pub" };
	_cleanup_free_ char *home = sb_invoker_home();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p;

		if (!home || asprintf(&p, "%s/.ssh/%s", home, names[i]) < 0)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (sb_userfile_read(p, 16384, key) == 0 && key->len) {
			*path = p;
			return 1;
		}
		if (errno != ENOENT && key->len == 0) {
			sb_error_sys(err, "reading %s", p);
			sb_buf_release(key);
			free(p);
			return -1;
		}
		sb_buf_release(key);
		free(p);
	}
	return 0;
}

static int
inject_files(struct sb_incus *c, const char *inst, const struct sb_env *env,
	     int write_env, char **identity, struct sb_error **err)
{
	struct sb_buf key = { 0 };
	_cleanup_free_ char *keypath = NULL;
	int ret = 0, found = host_pubkey(&key, &keypath, err);

	if (found < 0)
		return -1;
	if (found) {
		if (key.data[key.len - 1] != '\n')
			sb_buf_append(&key, "\n", 1);
		ret = sb_file_mkdir(c, inst, SB_USER_HOME "/.ssh", SB_USER_UID,
				    SB_USER_GID, 0700, err);
		if (ret == 0)
			ret = sb_file_push(c, inst,
					   SB_USER_HOME "/.ssh/authorized_keys",
					   key.data, key.len, SB_USER_UID,
					   SB_USER_GID, 0600, err);
		if (ret == 0)
			ret = sb_file_mkdir(c, inst, "/root/.ssh", 0, 0, 0700,
					    err);
		if (ret == 0)
			ret = sb_file_push(c, inst, "/root/.ssh/authorized_keys",
					   key.data, key.len, 0, 0, 0600, err);
		/* The private half sits beside the .pub. */
		if (ret == 0 && identity) {
			keypath[strlen(keypath) - 4] = '\0';
			*identity = TAKE_PTR(keypath);
		}
	}
	sb_buf_release(&key);
	if (ret < 0)
		return -1;
	if (write_env) {
		_cleanup_free_ char *prof = sb_env_render_profile(env);

		if (!prof)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		if (sb_file_push(c, inst, "/etc/profile.d/sandbox-env.sh", prof,
				 strlen(prof), 0, 0, 0644, err) < 0)
			return -1;
	}
	if (sb_file_mkdir(c, inst, "/workspace", 0, 0, 0755, err) < 0 ||
	    sb_file_mkdir(c, inst, SB_WORKSPACE, SB_USER_UID, SB_USER_GID, 0755,
			  err) < 0)
		return -1;
	return 0;
}

/* One attempt: connects without blocking and waits at most connect_ms
 * for the handshake and 1 s for the banner.  The short connect wait
 * matters: a SYN sent before the container's address is up is lost, and
 * the kernel would only retransmit it a whole second later. */
static int
sshd_banner(const struct sockaddr_in *a, int connect_ms)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
					SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	char banner[8] = "";
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		if (errno != EINPROGRESS || poll(&p, 1, connect_ms) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 ||
		    soerr != 0)
			return 0;
	}
	p.events = POLLIN;
	return poll(&p, 1, 1000) == 1 && read(fd, banner, 4) == 4 &&
	       memcmp(banner, "SSH-", 4) == 0;
}

/* Readiness is sshd answering with its banner on the slot's host port:
 * that is what the user's first ssh needs, through the proxy device. */
static int
wait_sshd(int port, double timeout, struct sb_error **err)
{
	double deadline = sb_clock_now() + timeout;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (sb_clock_now() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (sb_signals_check(err) < 0)
			return -1;
		if (sshd_banner(&a, 50))
			return 0;
		nanosleep(&ts, NULL);
	}
	return sb_error_set(err, SB_E_FAIL,
			    "sshd did not answer on 127.0.0.1:%d within %.0f s",
			    port, timeout);
}

static int
port_free_on_host(int port)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return 1;
	return bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
}

/* The three proxy devices of the compatibility contract on these host
 * ports (0: that device is left out), forwarding to addr. */
static void
slot_proxies(json_object *devs, int ssh, int app, int alt, const char *addr)
{
	static const struct {
		const char *name;
		int guest;
	} dev[] = {
		{ "ssh-proxy", 22 },
		{ "app-proxy", SB_APP_PORT },
		{ "alt-proxy", SB_ALT_PORT },
	};
	const int host[] = { ssh, app, alt };

	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
		if (host[i])
			json_object_object_add(devs, dev[i].name,
				sb_sandbox_proxy("tcp", host[i], addr,
						 dev[i].guest));
}

static int
slot_taken(const unsigned char *used, const unsigned char *ports, long s)
{
	return used[s] || ports[SB_SSH_BASE + s] || ports[SB_APP_BASE + s] ||
	       ports[SB_ALT_BASE + s];
}

/* Picks the slot under the lock: want (already checked to be in 1..99),
 * or with want 0 the lowest whose three host ports are free in Incus and
 * on the host. */
static int
pick_slot(struct sb_incus *c, int want, int *slot, struct sb_error **err)
{
	unsigned char used[SB_SLOT_MAX + 1];
	_cleanup_free_ unsigned char *ports = calloc(65536, 1);

	if (!ports)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_slots_in_use(c, used, ports, err) < 0)
		return -1;
	if (want) {
		if (slot_taken(used, ports, want))
			return sb_error_set(err, SB_E_INPUT,
				"slot %d is taken by another sandbox: leave "
				"out --slot to get the lowest free one", want);
		/* Kernel-forwarded ports bind nothing: a program of the
		 * host's own on one of them would silently lose it. */
		for (int i = 0; i < 3; i++) {
			int p = (i == 0 ? SB_SSH_BASE : i == 1 ? SB_APP_BASE :
				 SB_ALT_BASE) + want;

			if (!port_free_on_host(p))
				return sb_error_set(err, SB_E_INPUT,
					"slot %d: port %d is in use on the "
					"host by another program: choose "
					"another slot or leave out --slot",
					want, p);
		}
		*slot = want;
		return 0;
	}
	for (int s = SB_SLOT_MIN; s <= SB_SLOT_MAX; s++) {
		if (slot_taken(used, ports, s))
			continue;
		if (!port_free_on_host(SB_SSH_BASE + s) ||
		    !port_free_on_host(SB_APP_BASE + s) ||
		    !port_free_on_host(SB_ALT_BASE + s))
			continue;
		*slot = s;
		return 0;
	}
	return sb_error_set(err, SB_E_FAIL,
			    "all slots 1..99 are taken: remove a sandbox with "
			    "sandbox-stop NAME --rm");
}

/* --cpu and --memory as Incus limits keys into cfg. */
static void
add_limits(json_object *cfg, const struct sb_start_opts *o)
{
	if (o->cpu)
		json_object_object_add(cfg, "limits.cpu",
				       json_object_new_string(o->cpu));
	if (o->memory)
		json_object_object_add(cfg, "limits.memory",
				       json_object_new_string(o->memory));
}

static json_object *
create_body(const char *inst, const char *stack, int slot, const char *addr,
	    const struct sb_start_opts *o, const char *repo,
	    json_object *egress_cfg, const struct sb_creds *cr,
	    const char *keep)
{
	_cleanup_free_ char *token = sb_clock_process_token();
	char keyid[32];
	json_object *body = json_object_new_object();
	json_object *src = json_object_new_object();
	json_object *cfg = json_object_new_object();
	json_object *devs = json_object_new_object();
	json_object *profiles = json_object_new_array();
	const char *profile = sb_knobs_get()->profile;
	char golden[96], slotstr[8];

	snprintf(golden, sizeof(golden), "%s%s/ready", sb_golden_prefix(),
		 stack);
	snprintf(slotstr, sizeof(slotstr), "%d", slot);
	json_object_object_add(body, "name", json_object_new_string(inst));
	json_object_object_add(src, "type", json_object_new_string("copy"));
	json_object_object_add(src, "source", json_object_new_string(golden));
	json_object_object_add(body, "source", src);
	/* SANDBOX_PROFILE is for tests only (a profile whose root disk is on
	 * a tiny pool, to fill it for real). */
	json_object_array_add(profiles,
			      json_object_new_string(profile ? profile :
							       SB_PROFILE));
	json_object_object_add(body, "profiles", profiles);
	json_object_object_add(cfg, SB_KEY("slot"), json_object_new_string(slotstr));
	json_object_object_add(cfg, SB_KEY("stack"), json_object_new_string(stack));
	json_object_object_add(cfg, SB_KEY("golden"), json_object_new_string(""));
	/* Only sandbox-start starts it, after its rules are in place. */
	json_object_object_add(cfg, "boot.autostart",
			       json_object_new_string("false"));
	/* Until the start completes: lets a later start recognise what a
	 * killed one left behind, and delete its GitHub key by id. */
	json_object_object_add(cfg, SB_KEY("creating"),
			       json_object_new_string(token ? token : "?"));
	if (sb_creds_key_id(cr)) {
		snprintf(keyid, sizeof(keyid), "%lld", sb_creds_key_id(cr));
		json_object_object_add(cfg, SB_KEY("deploy-key-id"),
				       json_object_new_string(keyid));
	}
	/* Always set, even "{}": it tells a restart that this sandbox keeps
	 * its environment, so the profile is written at every start. */
	json_object_object_add(cfg, SB_KEY("env"),
			       json_object_new_string(keep ? keep : "{}"));
	if (repo)
		json_object_object_add(cfg, SB_KEY("repo"),
				       json_object_new_string(repo));
	if (o->branch)
		json_object_object_add(cfg, SB_KEY("branch"),
				       json_object_new_string(o->branch));
	add_limits(cfg, o);
	json_object_object_foreach(egress_cfg, k, v)
		json_object_object_add(cfg, k, json_object_get(v));
	json_object_object_add(body, "config", cfg);
	json_object_object_add(devs, "eth0", sb_setup_nic(addr));
	slot_proxies(devs, SB_SSH_BASE + slot, SB_APP_BASE + slot,
		     SB_ALT_BASE + slot, addr);
	json_object_object_add(body, "devices", devs);
	json_object_object_add(body, "start", json_object_new_boolean(1));
	return body;
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
	struct sb_sandbox *o = sb_sandbox_get(c, from, err);

	if (!o)
		return sb_error_prefix(err, "--from");
	/* Only what the host recorded decides which repository gets a new
	 * read-write key: the origin written in OTHER's workspace is the
	 * container's word (DESIGN.md, "Identity comes from the host"). */
	if (!o->repo || !*o->repo) {
		sb_error_set(err, SB_E_INPUT, "--from %s: '%s' has no "
			     "repository in its metadata (user.sandbox.repo), "
			     "so there is none to take; give REPO instead of "
			     "--from", from, from);
		sb_sandbox_free(o);
		return -1;
	}
	if (!(in->repo = strdup(o->repo))) {
		sb_sandbox_free(o);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	in->stack = o->stack ? strdup(o->stack) : NULL;
	in->domains_file = o->domains_file ? strdup(o->domains_file) : NULL;
	in->restricted = o->restricted;
	in->cache = o->cache;
	sb_sandbox_free(o);
	return 0;
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
		_cleanup_json_ json_object *o = sb_incus_get(c, op, NULL, SB_IGNORE);
		json_object *sc;
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		/* Done (or failed) already, or the record is there. */
		if (!o || (json_object_object_get_ex(o, "status_code", &sc) &&
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

/* What a start that was killed (or whose daemon died) left behind: the
 * instance still carries the creating mark of a process that is gone.
 * Removes it with its key, agent and rules so the start can begin again.
 * Refuses while the creating process still runs. */
/* Where this start's own steps are reported: nowhere with --quiet. */
static const struct sb_progress *
steps(const struct sb_start_opts *o)
{
	return o->quiet ? NULL : o->progress;
}

static int
clear_leftover(struct sb_incus *c, struct sb_sandbox *s,
	       const struct sb_progress *pr, struct sb_error **err)
{
	char *left = NULL;

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
	free(left);
	if (sb_instance_delete(c, s->instance, err) < 0)
		return -1;
	/* Only once it is gone: a sandbox never runs without its rules. */
	sb_egress_remove(s->name, s->fixed_ipv4);
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

static int
create(struct sb_incus *c, const struct sb_start_opts *o, int want_slot,
       const char *inst, struct sb_env *env, const char *keep,
       struct sb_start_result *res, struct sb_error **err)
{
	const struct sb_progress *pr = steps(o);
	struct inherited in = { 0 };
	struct sb_creds *cr = NULL;
	_cleanup_json_ json_object *ecfg = json_object_new_object();
	_cleanup_json_ json_object *body = NULL, *r = NULL;
	struct sb_sandbox *s = NULL;
	const char *stack, *repo;
	int lock = -1, slot = 0, made = 0, built = 0, ruled = 0, ret = -1;
	int cache;
	unsigned cache_made = 0;
	struct sb_golden_opts g = { .progress = o->progress };
	char addr[INET_ADDRSTRLEN] = "";

	if (o->from && inherit_from(c, o->from, &in, err) < 0)
		goto out;
	stack = o->stack ? o->stack : in.stack ? in.stack : "base";
	repo = o->repo ? o->repo : in.repo;
	cache = o->cache || in.cache;
	{
		struct sb_egress_opts eo = {
			.restrict_domains = o->restrict_domains || in.restricted,
			.domains_file = o->domains_file ? o->domains_file :
					in.domains_file,
			.allow_cidr = o->allow_cidr,
			.nallow_cidr = o->nallow_cidr,
		};

		/* Bad input is refused here, before anything changes. */
		if (sb_golden_stack_known(stack, err) < 0 ||
		    sb_egress_check(&eo, ecfg, err) < 0)
			goto out;
	}
	if (sb_golden_ensure(c, stack, &g, 0, &built, err) < 0)
		goto out;
	{
		struct sb_creds_opts co = { .name = o->name, .repo = repo,
					    .branch = o->branch,
					    .ssh_key_file = o->ssh_key_file };

		if (sb_creds_prepare(&co, &cr, err) < 0)
			goto out;
	}
	if ((lock = sb_lock_take("slots", err)) < 0 ||
	    pick_slot(c, want_slot, &slot, err) < 0 ||
	    sb_egress_slot_address(slot, addr, err) < 0)
		goto undo;
	/* Its rules exist before it does, keyed on the address its NIC will
	 * be pinned to: nothing it runs at boot goes out unfiltered. */
	ruled = 1;
	if (apply_before_boot(o->name, inst, addr, ecfg, err) < 0 ||
	    fault("create", err) < 0)
		goto undo;
	body = create_body(inst, stack, slot, addr, o, repo, ecfg, cr, keep);
	{
		json_object *devs;

		/* The agent's directory is a device from the start: no
		 * hot-plug, no forkproxy. */
		if (!json_object_object_get_ex(body, "devices", &devs) ||
		    sb_creds_devices(cr, devs, err) < 0)
			goto undo;
	}
	if (cache) {
		json_object *cfg = NULL, *devs = NULL;

		json_object_object_get_ex(body, "config", &cfg);
		json_object_object_get_ex(body, "devices", &devs);
		if (sb_cache_prepare(c, &cache_made, err) < 0 ||
		    sb_cache_add(c, cfg, devs, err) < 0)
			goto undo;
	}
	sb_report_begin(pr, "%s: cloning golden-%s/ready into slot %d",
			o->name, stack, slot);
	/* A failed create may still have made the instance (the copy
	 * succeeds, then a device fails to start). */
	made = 1;
	r = create_instance(c, inst, body, &lock, err);
	/* Someone else's instance of that name appeared meanwhile (a start
	 * still running, or one whose operation outlived its killed
	 * client): never ours to delete. */
	if (!r && err && *err && (*err)->code == SB_E_EXISTS) {
		made = 0;
		sb_error_set(err, SB_E_EXISTS,
			     "%s appeared while this start was making it: "
			     "another sandbox-start is at work; run this one "
			     "again when it is done", inst);
		goto undo;
	}
	if (!r && retry_start(c, inst, err) == 0)
		r = json_object_new_object();
	if (!r) {
		if (err && *err && strstr((*err)->msg, "address already in use"))
			sb_error_prefix(err, "slot %d: a port of the slot "
					"(%d, %d or %d) is in use on the host",
					slot, SB_SSH_BASE + slot,
					SB_APP_BASE + slot, SB_ALT_BASE + slot);
		sb_error_prefix(err, "creating %s", inst);
		goto undo;
	}
	sb_report_begin(pr, "%s: waiting for sshd", o->name);
	if (fault("network", err) < 0)
		goto undo;
	if (inject_files(c, inst, env, 1, &res->identity, err) < 0 ||
	    (cache && sb_cache_inject(c, inst, err) < 0) ||
	    fault("files", err) < 0)
		goto undo;
	if (wait_sshd(SB_SSH_BASE + slot, 30, err) < 0 || fault("sshd", err) < 0)
		goto undo;
	sb_report_end(pr, 1);
	if (cr)
		sb_report_begin(pr, "%s: cloning %s", o->name, sb_creds_slug(cr));
	if (sb_creds_attach(cr, c, inst, err) < 0 || fault("creds", err) < 0)
		goto undo;
	if (cr)
		sb_report_end(pr, 1);
	if (!(s = sb_sandbox_get(c, o->name, err)) || fault("egress", err) < 0)
		goto undo;
	{
		_cleanup_json_ json_object *done = json_object_new_object();

		json_object_object_add(done, SB_KEY("creating"),
				       json_object_new_string(""));
		if (sb_instance_patch(c, inst, done, NULL, err) < 0)
			goto undo;
	}
	res->created = 1;
	res->slot = slot;
	res->stack = strdup(stack);
	res->egress = strdup(sb_egress_mode(s));
	res->repo = s->repo ? strdup(s->repo) : NULL;
	res->branch = s->branch ? strdup(s->branch) : NULL;
	ret = 0;
	goto out;
undo:
	/* The undo's own requests must run to the end. */
	sb_signals_arm(0);
	sb_report_end(pr, 0);
	sb_lock_release(lock);
	sb_creds_undo(cr, o->name);
	if (made)
		sb_instance_delete(c, inst, SB_IGNORE);
	/* Volumes this start made, once nothing uses them. */
	sb_cache_undo(c, cache_made);
	/* After the instance is gone, never before. */
	if (ruled)
		sb_egress_remove(o->name, addr);
out:
	sb_creds_free(cr);
	sb_sandbox_free(s);
	free(in.repo);
	free(in.stack);
	free(in.domains_file);
	return ret;
}

/* Flags that only mean something when the sandbox is created. */
static int
refuse_immutable(const struct sb_start_opts *o, struct sb_error **err)
{
	struct sb_buf b = { 0 };
	const char *names[] = { o->stack ? "--stack" : NULL,
				o->from ? "--from" : NULL,
				o->repo ? "REPO" : NULL,
				o->branch ? "--branch" : NULL,
				o->slot ? "--slot" : NULL,
				o->ssh_key_file ? "--ssh-key" : NULL,
				o->restrict_domains ? "--restrict-domains" : NULL,
				o->domains_file ? "--domains-file" : NULL,
				o->nallow_cidr ? "--allow-cidr" : NULL,
				o->cache ? "--cache" : NULL };
	int ret = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i])
			sb_buf_appendf(&b, "%s%s", b.len ? ", " : "", names[i]);
	if (b.len)
		ret = sb_error_set(err, SB_E_INPUT,
			"Cannot change %s of an existing sandbox: '%s' "
			"exists, so leave %s out, or remove it first with "
			"'sandbox-stop %s --rm'", b.data, o->name,
			strchr(b.data, ',') ? "them" : "it", o->name);
	sb_buf_release(&b);
	return ret;
}

static int
apply_limits(struct sb_incus *c, const char *inst,
	     const struct sb_start_opts *o, struct sb_error **err)
{
	_cleanup_json_ json_object *cfg = json_object_new_object();

	if (!o->cpu && !o->memory)
		return 0;
	add_limits(cfg, o);
	if (sb_instance_patch(c, inst, cfg, NULL, err) < 0)
		return sb_error_prefix(err, "setting limits on %s", inst);
	return 0;
}

/* A sandbox made before addresses were pinned gets its slot's address
 * in its NIC device now (stopped), with the same keys the profile's NIC
 * has; and, like every sandbox, no autostart.  Re-reads *s. */
static int
pin_address(struct sb_incus *c, struct sb_sandbox **s, struct sb_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *inst = NULL, *devs = NULL, *cfg = NULL;
	json_object *xd, *eth0, *nic;
	char addr[INET_ADDRSTRLEN];
	struct sb_sandbox *now;

	if (!(*s)->slot)
		return sb_error_set(err, SB_E_INPUT, "sandbox '%s' has no "
				    "slot (user.sandbox.slot), so no fixed "
				    "address can be given to it", (*s)->name);
	if (sb_egress_slot_address((*s)->slot, addr, err) < 0)
		return -1;
	if (asprintf(&path, "/1.0/instances/%s", (*s)->instance) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (!(inst = sb_incus_get(c, path, NULL, err)))
		return -1;
	if (!json_object_object_get_ex(inst, "expanded_devices", &xd) ||
	    !json_object_object_get_ex(xd, "eth0", &eth0))
		return sb_error_set(err, SB_E_FAIL, "sandbox '%s' has no eth0 "
				    "device to pin an address on", (*s)->name);
	/* The device as it is (profile or instance), plus the address. */
	nic = json_object_new_object();
	json_object_object_foreach(eth0, k, v)
		json_object_object_add(nic, k, json_object_get(v));
	json_object_object_add(nic, "ipv4.address",
			       json_object_new_string(addr));
	devs = json_object_new_object();
	json_object_object_add(devs, "eth0", nic);
	/* Its ports forward in the kernel from now on (no forkproxy). */
	slot_proxies(devs, (*s)->ssh_port, (*s)->app_port, (*s)->alt_port,
		     addr);
	cfg = json_object_new_object();
	json_object_object_add(cfg, "boot.autostart",
			       json_object_new_string("false"));
	if (sb_instance_patch(c, (*s)->instance, cfg, devs, err) < 0)
		return sb_error_prefix(err, "pinning %s to %s",
				       (*s)->instance, addr);
	if (!(now = sb_sandbox_get(c, (*s)->name, err)))
		return -1;
	sb_sandbox_free(*s);
	*s = now;
	return 0;
}

/* Stores what the sandbox keeps of its environment (value NULL: back to
 * none, for the undo of a failed restart). */
static int
store_env(struct sb_incus *c, const char *inst, const char *value,
	  struct sb_error **err)
{
	_cleanup_json_ json_object *cfg = json_object_new_object();

	json_object_object_add(cfg, SB_KEY("env"),
			       json_object_new_string(value ? value : ""));
	if (sb_instance_patch(c, inst, cfg, NULL, err) < 0)
		return sb_error_prefix(err, "keeping the environment of %s",
				       inst);
	return 0;
}

static int
restart(struct sb_incus *c, const struct sb_start_opts *o,
	struct sb_sandbox **sp, struct sb_env *env, const char *keep,
	struct sb_start_result *res, struct sb_error **err)
{
	const struct sb_progress *pr = steps(o);
	struct sb_sandbox *s = *sp, *now = NULL;
	int env_changed = o->nenv || o->nunset_env;
	/* A sandbox made before the environment was kept has no
	 * user.sandbox.env: its profile is rewritten only when asked, so
	 * what it was created with is not lost. */
	int write_env = env_changed || (s->env_json && *s->env_json);

	if (refuse_immutable(o, err) < 0 || apply_limits(c, s->instance, o, err) < 0)
		return -1;
	if (s->running) {
		/* Whatever happened to the table (a reboot's flush, an
		 * admin's `nft delete table`), its rules are back now. */
		if (sb_egress_apply(s, err) < 0 ||
		    sb_creds_before_boot(c, s, err) < 0)
			return -1;
		if (env_changed &&
		    (store_env(c, s->instance, keep, err) < 0 ||
		     inject_files(c, s->instance, env, 1, NULL, err) < 0))
			return -1;
		/* An agent that died under a running sandbox is replaced (and
		 * its key rotated) now rather than at the next stop. */
		if (sb_creds_restart_ex(c, s, &res->warning, err) < 0)
			return -1;
		res->already_running = 1;
		goto fill;
	}
	if (sb_egress_on_bridge(s) && !s->fixed_ipv4 && pin_address(c, sp, err) < 0)
		return sb_error_prefix(err, "restarting '%s'", o->name);
	s = *sp;
	/* Rules first: the container boots into them.  The environment is
	 * stored after pin_address, which reads *sp again, so s->env_json
	 * is still the old value for the undo below. */
	if (sb_egress_apply(s, err) < 0)
		return sb_error_prefix(err, "restarting '%s'", o->name);
	if (sb_creds_before_boot(c, s, err) < 0 ||
	    (env_changed && store_env(c, s->instance, keep, err) < 0)) {
		/* Still stopped: it keeps no rules. */
		sb_egress_remove(o->name, s->fixed_ipv4);
		return sb_error_prefix(err, "restarting '%s'", o->name);
	}
	sb_report_begin(pr, "%s: starting", o->name);
	if (sb_instance_start(c, s->instance, err) < 0)
		goto fail;
	if (inject_files(c, s->instance, env, write_env, &res->identity,
			 err) < 0 ||
	    (s->ssh_port && wait_sshd(s->ssh_port, 30, err) < 0))
		goto fail;
	sb_report_end(pr, 1);
	if (!(now = sb_sandbox_get(c, o->name, err)) ||
	    sb_creds_restart_ex(c, now, &res->warning, err) < 0)
		goto fail;
	sb_sandbox_free(now);
fill:
	res->slot = s->slot;
	res->stack = strdup(s->stack ? s->stack : "base");
	res->egress = strdup(sb_egress_mode(s));
	res->repo = s->repo ? strdup(s->repo) : NULL;
	res->branch = s->branch ? strdup(s->branch) : NULL;
	return 0;
fail:
	sb_signals_arm(0);
	sb_report_end(pr, 0);
	sb_sandbox_free(now);
	/* Back to how it was: stopped, with no agent and, once it has
	 * stopped, no rules. */
	sb_creds_stop(o->name);
	if (sb_instance_stop(c, s->instance, 0, SB_IGNORE) == 0)
		sb_egress_remove(o->name, s->fixed_ipv4);
	if (env_changed)
		store_env(c, s->instance, s->env_json, SB_IGNORE);
	return sb_error_prefix(err, "restarting '%s'", o->name);
}

int
sb_start(struct sb_incus *c, const struct sb_start_opts *o,
	 struct sb_start_result *res, struct sb_error **err)
{
	_cleanup_free_ char *inst = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	struct sb_env env = { 0 };
	struct sb_sandbox *s;
	char *keep = NULL;
	long want_slot = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (sb_name_check(o->name, err) < 0 ||
	    (o->from && sb_name_check(o->from, err) < 0) ||
	    (o->stack && sb_stack_check(o->stack, err) < 0) ||
	    (o->cpu && check_cpu(o->cpu, err) < 0) ||
	    (o->memory && check_memory(o->memory, err) < 0))
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
		ret = clear_leftover(c, s, steps(o), err);
		if (ret == 0)
			ret = create(c, o, (int)want_slot, inst, &env, keep,
				     res, err);
	} else if (s) {
		ret = restart(c, o, &s, &env, keep, res, err);
	} else {
		ret = create(c, o, (int)want_slot, inst, &env, keep, res, err);
	}
	sb_sandbox_free(s);
	sb_env_release(&env);
	sb_text_wipe(keep);
	return ret;
}

void
sb_start_result_release(struct sb_start_result *r)
{
	free(r->stack);
	free(r->egress);
	free(r->repo);
	free(r->branch);
	free(r->identity);
	free(r->warning);
	memset(r, 0, sizeof(*r));
}
