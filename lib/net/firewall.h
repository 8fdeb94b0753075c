/* The host firewall for sandboxes: one nftables table of our own,
 * `table inet sandbox`, next to (never inside) Incus's `table inet incus`.
 *
 * Shape (see sb_fw_base_script for the exact text):
 *   forward    hook forward, priority filter - 10: traffic from the bridge
 *              goes through from_sandbox; nothing new enters a sandbox
 *   from_sandbox  the egress policy, driven by the sets below
 *   input      hook input, priority filter - 10: from the bridge only
 *              DHCP, DNS to the bridge address and the Squid ports
 *   prerouting hook prerouting, nat, priority dstnat - 10: restricted
 *              sandboxes' TCP 80/443 redirected to Squid (web_filter)
 *   postrouting hook postrouting, nat: the host's 127.0.0.1 connections
 *              to the slot ports (DNATed by Incus's nat proxies) leave
 *              the bridge masqueraded
 * Per-sandbox state lives only in set elements keyed by the sandbox's
 * address and commented with its NAME, so adding or removing a sandbox
 * touches its own elements and nothing else:
 *   restricted4  ADDR                          (--restrict-domains)
 *   cidr4        ADDR . RANGE                  (--allow-cidr)
 *   ports4       ADDR . PROTO . PORT           (sandbox-expose, outbound)
 * Everything is applied with libnftables as one transaction.  Calls that
 * touch the kernel need CAP_NET_ADMIN; none blocks on the Incus daemon. */
#ifndef SB_FIREWALL_H
#define SB_FIREWALL_H

#include <stddef.h>

#include "model/cidr.h"
#include "core/error.h"

#define SB_FW_FAMILY "inet"
#define SB_FW_TABLE "sandbox"

struct sb_fw_host {
	const char *bridge;  /* interface name, "sandboxbr0" */
	const char *bridge4; /* the bridge's IPv4 address (DNS, Squid) */
	int squid_http;      /* intercept ports on bridge4 */
	int squid_https;
};

struct sb_fw_port {
	int proto; /* SB_TCP or SB_UDP (sandbox.h) */
	int port;
};

struct sb_fw_sandbox {
	const char *name;  /* NAME, the elements' comment */
	const char *ipv4;  /* the key */
	int restricted;
	const struct sb_cidr *cidrs; /* IPv4 ranges only */
	size_t ncidrs;
	const struct sb_fw_port *ports;
	size_t nports;
};

/* Ruleset text.  These only build strings (caller frees; NULL with *err
 * on bad input), so they are unit-tested without a kernel. */

/* The host-wide part.  Re-running it never duplicates anything: sets and
 * chains are created when missing, the base chains are flushed and
 * refilled in the same transaction, and per-sandbox elements survive. */
char *sb_fw_base_script(const struct sb_fw_host *h, struct sb_error **err);
/* "add element" commands for one sandbox. */
char *sb_fw_sandbox_script(const struct sb_fw_sandbox *sb,
			   struct sb_error **err);
/* One ports4 element: add (add != 0) or delete. */
char *sb_fw_port_script(const char *name, const char *ipv4, int proto,
			int port, int add, struct sb_error **err);
/* From the JSON listing of the table (sb_fw_list_json), "delete element"
 * commands for every element commented with name, or keyed by addr
 * (addr may be NULL).  Returns "" when there is nothing to delete. */
char *sb_fw_cleanup_script(const char *json, const char *name,
			   const char *addr, struct sb_error **err);

/* 1 unless the listing holds exactly the elements sb should have
 * (compared as text; a listing that cannot be read counts as different). */
int sb_fw_sandbox_differs(const char *json, const struct sb_fw_sandbox *sb);
/* 1 when the listing has the host-wide chains with their rules: what
 * every sandbox on the bridge depends on. */
int sb_fw_base_present(const char *json);
/* 1 when set holds an element whose (first) key is addr. */
int sb_fw_has_element(const char *json, const char *set, const char *addr);

/* Kernel side (libnftables). */

/* Runs an nft script as one transaction; dry_run only validates it in the
 * kernel.  The error carries nft's own message. */
int sb_fw_run(const char *script, int dry_run, struct sb_error **err);
/* `nft -j list table inet sandbox`; SB_E_NOTFOUND when the table is
 * missing.  Caller frees. */
char *sb_fw_list_json(struct sb_error **err);
/* net.ipv4.conf.BRIDGE.route_localnet, which the kernel-forwarded slot
 * ports need (the host's 127.0.0.1 connections leave through the bridge)
 * and which would let a sandbox reach the host's 127.0.0.1 services but
 * for to_host's drop: set only together with the base rules
 * (sb_egress). */
int sb_fw_route_localnet(const char *bridge, int on, struct sb_error **err);
/* 1 when it is on. */
int sb_fw_route_localnet_on(const char *bridge);
/* Probes, without changing anything, whether the bridge family has
 * conntrack and reject here (what Incus's network ACLs need): 1 yes,
 * 0 no. */
int sb_fw_bridge_family_works(void);

#endif
