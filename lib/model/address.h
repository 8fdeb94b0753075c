/* Fixed per-sandbox IPv4 addresses on the sandbox bridge.
 *
 * A sandbox's address is derived from its slot and pinned in its NIC
 * device (ipv4.address) before it first boots, so Incus's IP filtering
 * makes it the only address the container can send from, and every
 * egress rule can be keyed on it without asking the container anything
 * (shared/DESIGN.md, "Trust").  The bridge's subnet is split in two:
 *   NET+2 .. NET+99     DHCP for everything else (golden image builds)
 *   NET+100+SLOT        sandbox SLOT (1..99: NET+101 .. NET+199)
 * Pure functions: nothing here blocks or touches the system. */
#ifndef SB_ADDRESS_H
#define SB_ADDRESS_H

#include <netinet/in.h>

#include "core/error.h"

#define SB_ADDRESS_SLOT_BASE 100
#define SB_ADDRESS_DHCP_FIRST 2
#define SB_ADDRESS_DHCP_LAST 99

/* The address of SLOT on a bridge whose address is "A.B.C.D/LEN" (the
 * bridge network's ipv4.address, as Incus stores it), in out.  The
 * subnet must be a /24 or larger. */
int sb_address_for_slot(const char *bridge_cidr, int slot,
			char out[INET_ADDRSTRLEN], struct sb_error **err);
/* The bridge's dynamic DHCP range, "FIRST-LAST", in out. */
int sb_address_dhcp_range(const char *bridge_cidr, char out[64],
			  struct sb_error **err);

#endif
