/* Egress control: the host firewall (an nftables table of our own) and
 * the dedicated Squid instance that filters restricted sandboxes by SNI.
 *
 * The calls below are the whole contract with the lifecycle code. */
#ifndef SB_EGRESS_H
#define SB_EGRESS_H

#include <stddef.h>

#include "error.h"
#include "incus.h"
#include "sandbox.h"

struct sb_egress_opts {
	int restrict_domains;
	const char *domains_file; /* NULL: resolution order of DESIGN.md */
	const char **allow_cidr;
	size_t nallow_cidr;
};

/* Before the instance exists: validates the options (allowlist parsed,
 * CIDRs checked) so bad input changes nothing, and returns the
 * user.sandbox.* config keys to store (restrict-domains, domains-file,
 * allow-cidr) in cfg, a json object the caller owns. */
int sb_egress_check(const struct sb_egress_opts *o, json_object *cfg,
		    struct sb_error **err);
/* sandbox-setup: installs the host-wide rules and makes sure Squid runs.
 * Idempotent. */
int sb_egress_setup(struct sb_error **err);
/* Once the sandbox has its address (start and restart): per-sandbox rules,
 * ACLs and Squid reload, from the metadata in s. */
int sb_egress_apply(const struct sb_sandbox *s, struct sb_error **err);
/* Stop, --rm and failed starts: removes every rule and ACL naming the
 * sandbox.  Best effort; never fails. */
void sb_egress_remove(const char *name);
/* sandbox-list's EGRESS column. */
const char *sb_egress_mode(const struct sb_sandbox *s);

#endif
