/* Starting a sandbox that exists: stopped, it is pinned to its slot's
 * address when it predates that, its rules go in, and it boots; running,
 * its rules, environment and agent are refreshed.  A failed restart
 * leaves it stopped, as it was. */
#include "ops/start_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "creds/creds.h"
#include "incus/instance.h"
#include "net/egress.h"
#include "sys/signals.h"

/* Flags that only mean something when the sandbox is created. */
static int
refuse_immutable(const struct sb_start_opts *o, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };
	const char *names[] = {
		o->stack ? "--stack" : NULL,
		o->from ? "--from" : NULL,
		o->repo ? "REPO" : NULL,
		o->branch ? "--branch" : NULL,
		o->slot ? "--slot" : NULL,
		o->ssh_key_file ? "--ssh-key" : NULL,
		o->restrict_domains ? "--restrict-domains" : NULL,
		o->domains_file ? "--domains-file" : NULL,
		o->nallow_cidr ? "--allow-cidr" : NULL,
		o->cache ? "--cache" : NULL,
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i])
			sb_buf_appendf(&b, "%s%s", b.len ? ", " : "", names[i]);
	if (!b.len)
		return 0;
	return sb_error_set(err, SB_E_INPUT,
			    "Cannot change %s of an existing sandbox: '%s' "
			    "exists, so leave %s out, or remove it first with "
			    "'sandbox-stop %s --rm'",
			    b.data, o->name,
			    strchr(b.data, ',') ? "them" : "it", o->name);
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
		return sb_error_set(err, SB_E_INPUT,
				    "sandbox '%s' has no slot "
				    "(user.sandbox.slot), so no fixed address "
				    "can be given to it",
				    (*s)->name);
	if (sb_egress_slot_address((*s)->slot, addr, err) < 0)
		return -1;
	if (asprintf(&path, "/1.0/instances/%s", (*s)->instance) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (!(inst = sb_incus_get(c, path, NULL, err)))
		return -1;
	if (!json_object_object_get_ex(inst, "expanded_devices", &xd) ||
	    !json_object_object_get_ex(xd, "eth0", &eth0))
		return sb_error_set(err, SB_E_FAIL,
				    "sandbox '%s' has no eth0 device to pin an "
				    "address on",
				    (*s)->name);
	/* The device as it is (profile or instance), plus the address. */
	nic = json_object_new_object();
	json_object_object_foreach (eth0, k, v)
		json_object_object_add(nic, k, json_object_get(v));
	json_object_object_add(nic, "ipv4.address",
			       json_object_new_string(addr));
	devs = json_object_new_object();
	json_object_object_add(devs, "eth0", nic);
	/* Its ports forward in the kernel from now on (no forkproxy). */
	sb_start_slot_proxies(devs, (*s)->ssh_port, (*s)->app_port,
			      (*s)->alt_port, addr);
	cfg = json_object_new_object();
	json_object_object_add(cfg, "boot.autostart",
			       json_object_new_string("false"));
	if (sb_instance_patch(c, (*s)->instance, cfg, devs, err) < 0)
		return sb_error_prefix(err, "pinning %s to %s", (*s)->instance,
				       addr);
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

int
sb_start_restart(struct sb_incus *c, const struct sb_start_opts *o,
		 struct sb_sandbox **sp, const struct sb_env *env,
		 const char *keep, struct sb_start_result *res,
		 struct sb_error **err)
{
	const struct sb_progress *pr = sb_start_steps(o);
	struct sb_sandbox *s = *sp;
	_cleanup_sandbox_ struct sb_sandbox *now = NULL;
	int env_changed = o->nenv || o->nunset_env;
	/* A sandbox made before the environment was kept has no
	 * user.sandbox.env: its profile is rewritten only when asked, so
	 * what it was created with is not lost. */
	int write_env = env_changed || (s->env_json && *s->env_json);

	if (refuse_immutable(o, err) < 0 ||
	    sb_start_limits_apply(c, s->instance, o, err) < 0)
		return -1;
	if (s->running) {
		/* Whatever happened to the table (a reboot's flush, an
		 * admin's `nft delete table`), its rules are back now. */
		if (sb_egress_apply(s, err) < 0 ||
		    sb_creds_before_boot(c, s, err) < 0)
			return -1;
		if (env_changed && (store_env(c, s->instance, keep, err) < 0 ||
				    sb_start_inject_files(c, s->instance, env,
							  1, NULL, err) < 0))
			return -1;
		/* An agent that died under a running sandbox is replaced (and
		 * its key rotated) now rather than at the next stop. */
		if (sb_creds_restart_ex(c, s, &res->warning, err) < 0)
			return -1;
		res->already_running = 1;
		goto fill;
	}
	if (sb_egress_on_bridge(s) && !s->fixed_ipv4 &&
	    pin_address(c, sp, err) < 0)
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
	if (sb_start_inject_files(c, s->instance, env, write_env,
				  &res->identity, err) < 0 ||
	    (s->ssh_port && sb_start_wait_sshd(s->ssh_port, 30, err) < 0))
		goto fail;
	sb_report_end(pr, 1);
	if (!(now = sb_sandbox_get(c, o->name, err)) ||
	    sb_creds_restart_ex(c, now, &res->warning, err) < 0)
		goto fail;
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
	/* Back to how it was: stopped, with no agent and, once it has
	 * stopped, no rules. */
	sb_creds_stop(o->name);
	if (sb_instance_stop(c, s->instance, 0, SB_IGNORE) == 0)
		sb_egress_remove(o->name, s->fixed_ipv4);
	if (env_changed)
		store_env(c, s->instance, s->env_json, SB_IGNORE);
	return sb_error_prefix(err, "restarting '%s'", o->name);
}
