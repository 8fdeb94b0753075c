/* sandbox-expose: extra ports of a sandbox on the host.  Blocks on the
 * daemon. */
#ifndef SB_EXPOSE_H
#define SB_EXPOSE_H

#include "core/error.h"
#include "incus/incus.h"

/* Adds (or with remove, removes) port-PORT-PROTO proxy devices for tcp,
 * udp or both, listening on host_port (0: PORT+slot). */
struct sb_expose_opts {
	const char *name;
	const char *port;      /* as typed */
	const char *proto;     /* "tcp", "udp", "both"; NULL: tcp */
	const char *host_port; /* as typed, or NULL */
	int remove;
};
/* Fills what was done, for the message: the host port used. */
int sb_expose(struct sb_incus *c, const struct sb_expose_opts *o,
	      int *host_port, struct sb_error **err);

#endif
