/* Fixed per-sandbox addresses (see address.h). */
#include "model/address.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sandbox.h"

/* "A.B.C.D/LEN" -> network address (host order) and prefix length. */
static int
parse_bridge(const char *cidr, uint32_t *net, int *len, struct sb_error **err)
{
	char a[INET_ADDRSTRLEN];
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	struct in_addr in;
	char *end;
	long l;

	if (!slash || (size_t)(slash - cidr) >= sizeof(a))
		goto bad;
	memcpy(a, cidr, (size_t)(slash - cidr));
	a[slash - cidr] = '\0';
	l = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, a, &in) != 1 || *end || end == slash + 1 ||
	    l < 8 || l > 32)
		goto bad;
	if (l > 24)
		return sb_error_set(err, SB_E_INPUT, "bridge subnet %s is "
				    "smaller than a /24: sandboxes need a /24 "
				    "or larger (one address per slot)", cidr);
	*len = (int)l;
	*net = ntohl(in.s_addr) & (0xffffffffu << (32 - l));
	return 0;
bad:
	return sb_error_set(err, SB_E_INPUT, "bridge address '%s' is not "
			    "A.B.C.D/LEN", cidr ? cidr : "");
}

static void
format(uint32_t host_order, char out[INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = htonl(host_order) };

	inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

int
sb_address_for_slot(const char *bridge_cidr, int slot,
		    char out[INET_ADDRSTRLEN], struct sb_error **err)
{
	uint32_t net;
	int len;

	if (slot < SB_SLOT_MIN || slot > SB_SLOT_MAX)
		return sb_error_set(err, SB_E_INPUT, "slot %d is outside "
				    "%d..%d", slot, SB_SLOT_MIN, SB_SLOT_MAX);
	if (parse_bridge(bridge_cidr, &net, &len, err) < 0)
		return -1;
	format(net + SB_ADDRESS_SLOT_BASE + (uint32_t)slot, out);
	return 0;
}

int
sb_address_dhcp_range(const char *bridge_cidr, char out[64],
		      struct sb_error **err)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	uint32_t net;
	int len;

	if (parse_bridge(bridge_cidr, &net, &len, err) < 0)
		return -1;
	format(net + SB_ADDRESS_DHCP_FIRST, lo);
	format(net + SB_ADDRESS_DHCP_LAST, hi);
	snprintf(out, 64, "%s-%s", lo, hi);
	return 0;
}
