/* CIDR ranges for --allow-cidr: parsing, validation and canonical text.
 *
 * Strict on purpose: the text ends up in an nftables set, so anything that
 * is not exactly an address with an optional prefix length is refused
 * rather than guessed at.  Host bits must be zero ("10.0.0.1/8" is
 * refused with the network the user probably meant).  Nothing here blocks
 * or allocates except sb_cidr_parse_list. */
#ifndef SB_CIDR_H
#define SB_CIDR_H

#include <stddef.h>

#include "core/error.h"

#define SB_CIDR_TEXT_MAX 64 /* longest text accepted, and buffer size */

struct sb_cidr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network byte order; 4 used for AF_INET */
	int prefix;              /* 0..32 or 0..128 */
};

/* Parses "ADDR" (a single host: /32 or /128) or "ADDR/LEN".  Errors name
 * the value and what is allowed. */
int sb_cidr_parse(const char *text, struct sb_cidr *out,
		  struct sb_error **err);
/* Canonical "ADDR/LEN" into buf (SB_CIDR_TEXT_MAX bytes). */
void sb_cidr_format(const struct sb_cidr *c, char buf[SB_CIDR_TEXT_MAX]);
/* 1 when the range a lies wholly inside b (same family). */
int sb_cidr_within(const struct sb_cidr *a, const struct sb_cidr *b);
/* What --allow-cidr may open (IPv4 only): refuses, naming the range and
 * why, anything wider than /8 and anything that touches 0.0.0.0/8,
 * loopback, multicast and the reserved range above it (224.0.0.0/3,
 * broadcast included), or contains the cloud metadata address
 * 169.254.169.254.  Each of those would turn a filtered sandbox into an
 * open one or reach the host's own services. */
int sb_cidr_check_openable(const struct sb_cidr *c, struct sb_error **err);
/* Parses a comma-separated list (the user.sandbox.allow-cidr value; empty
 * items are skipped).  *out is malloc'd; caller frees.  On error nothing
 * is returned. */
int sb_cidr_parse_list(const char *csv, struct sb_cidr **out, size_t *n,
		       struct sb_error **err);

#endif
