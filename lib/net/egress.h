/* Egress control: the host firewall (an nftables table of our own,
 * lib/net/firewall.h) and the dedicated Squid instance that filters
 * restricted sandboxes by SNI (lib/net/squid.h).
 *
 * The calls below are the whole contract with the lifecycle code.  All
 * need root (CAP_NET_ADMIN for nftables); calls that touch Squid block
 * until it listens again (well under a second).  Concurrent callers are
 * serialised with the "egress" host lock. */
#ifndef SB_EGRESS_H
#define SB_EGRESS_H

#include <netinet/in.h>
#include <stddef.h>

#include "core/error.h"
#include "incus/incus.h"
#include "model/sandbox.h"

#define SB_EGRESS_KEY_CIDR SB_KEY("allow-cidr")

struct sb_egress_opts {
	int restrict_domains;     /* --restrict-domains */
	const char *domains_file; /* NULL: resolution order of DESIGN.md;
				   * giving one implies restrict_domains */
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
 * Idempotent: re-running never duplicates a rule and keeps the
 * sandboxes' entries. */
int sb_egress_setup(struct sb_error **err);
/* What sb_egress_setup put in force, one line for sandbox-setup to print
 * (which netfilter mechanism, Squid's pid and ports).  Static storage;
 * "" before a successful setup. */
const char *sb_egress_summary(void);
/* The address of SLOT on the sandbox bridge (address.h), read from the
 * bridge interface. */
int sb_egress_slot_address(int slot, char out[INET_ADDRSTRLEN],
			   struct sb_error **err);
/* Before the sandbox boots (create, restart) and whenever its settings
 * change: per-sandbox rules and Squid ACLs keyed on s->fixed_ipv4, from
 * the metadata in s (no daemon call).  Installs the host-wide part first
 * when it is missing (after a host reboot) and starts Squid when a
 * restricted sandbox needs it.  On a running sandbox whose rules changed,
 * its tracked connections are destroyed.  A sandbox on another bridge is
 * refused when it asks for filtering, and left alone otherwise. */
int sb_egress_apply(const struct sb_sandbox *s, struct sb_error **err);
/* After the sandbox has stopped, --rm and failed starts: removes every
 * rule and ACL naming the sandbox, and the tracked connections of ipv4
 * (may be NULL).  Best effort; never fails. */
void sb_egress_remove(const char *name, const char *ipv4);
/* sandbox-expose, outbound half: lets the sandbox open connections to
 * port/proto (SB_TCP, SB_UDP) anywhere outside (add != 0), or takes that
 * away.  A stopped sandbox is not an error: apply picks the port up from
 * its port-* devices when it starts. */
int sb_egress_expose(const struct sb_sandbox *s, int port, int proto,
		     int add, struct sb_error **err);
/* 1 when the sandbox's NIC is on the sandbox bridge, where our rules
 * apply (legacy sandboxes may be on another). */
int sb_egress_on_bridge(const struct sb_sandbox *s);
/* What the sandbox asked for: "filtered" or "open". */
const char *sb_egress_mode(const struct sb_sandbox *s);

/* sandbox-list's EGRESS column, read from the kernel: one listing of the
 * table for all rows. */
#define SB_EGRESS_UNFILTERED "unfiltered!"
struct sb_egress_view {
	char *json; /* the table's listing, NULL when it is missing */
	int base;   /* the host-wide rules are in place */
	int known;  /* the table could be read (or is surely missing) */
};
void sb_egress_view_load(struct sb_egress_view *v);
void sb_egress_view_release(struct sb_egress_view *v);
/* "filtered" or "open" when the kernel enforces what the sandbox asked
 * for (or it is stopped), SB_EGRESS_UNFILTERED when a running sandbox
 * lacks rules it depends on, "?" when the table could not be read (not
 * root). */
const char *sb_egress_status(const struct sb_egress_view *v,
			     const struct sb_sandbox *s);

#endif
