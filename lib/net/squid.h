/* The dedicated Squid instance that filters restricted sandboxes.
 *
 * It never decrypts: HTTPS is peeked at (the TLS ClientHello's SNI) and
 * spliced when the name is on the sandbox's allowlist, terminated
 * otherwise; plain HTTP is allowed by Host header against the same list.
 * No CA goes into any container.  Squid insists on a certificate for an
 * ssl-bump port even when it never bumps, so setup makes a throwaway
 * self-signed one in Squid's own directory.
 *
 * Files (all ours, nothing of a distribution Squid is touched):
 *   /var/lib/sandbox/squid/squid.conf        the config (squid -f)
 *   /var/lib/sandbox/squid/hosts             Squid's hosts_file: a copy of
 *                                            /etc/hosts made once, yours to
 *                                            extend (Squid refuses TLS whose
 *                                            SNI does not resolve to the
 *                                            address dialled)
 *   /var/lib/sandbox/squid/tls/              throwaway cert, key, cert db
 *   /var/lib/sandbox/squid/acl/sb-ADDR.conf  one per restricted sandbox,
 *   /var/lib/sandbox/squid/acl/sb-ADDR.domains  keyed by its address
 *   /var/lib/sandbox/squid/log/access.log    every request, with the SNI
 *                                            and splice/terminate
 *   /var/lib/sandbox/squid/log/cache.log     Squid's own messages
 *   /run/sandbox/squid/squid.pid
 * Listening: BRIDGE:3180 (HTTP intercept), BRIDGE:3181 (HTTPS intercept),
 * 127.0.0.1:3182 (the forward port Squid requires; it serves nobody).
 * Changes are applied with `squid -k reconfigure`, which keeps other
 * sandboxes' established connections.  Calls block until Squid listens
 * again (a few hundred milliseconds). */
#ifndef SB_SQUID_H
#define SB_SQUID_H

#include "model/allowlist.h"
#include "core/error.h"

#define SB_SQUID_DIR "/var/lib/sandbox/squid"
#define SB_SQUID_RUNDIR "/run/sandbox/squid"
#define SB_SQUID_HTTP_PORT 3180
#define SB_SQUID_HTTPS_PORT 3181
#define SB_SQUID_LOCAL_PORT 3182

/* Text builders (caller frees), unit-testable. */
char *sb_squid_config_text(const char *dir, const char *rundir,
			   const char *bridge4, const char *user,
			   struct sb_error **err);
/* The per-sandbox file: name is only a comment, addr the key. */
char *sb_squid_acl_text(const char *dir, const char *name, const char *addr,
			struct sb_error **err);

/* Directories, certificate, config; starts Squid or reconfigures it. */
int sb_squid_setup(const char *bridge4, struct sb_error **err);
/* Pid of our Squid, or 0 when it is not running. */
int sb_squid_pid(void);
/* Starts Squid when it is not running (setup must have run). */
int sb_squid_ensure(struct sb_error **err);
/* Writes the sandbox's ACL (replacing one for the same address, and
 * removing any the same name left at another address) and reconfigures.
 * 1 when something changed, 0 when Squid already had exactly this. */
int sb_squid_allow(const char *name, const char *addr,
		   const struct sb_allowlist *al, struct sb_error **err);
/* Removes every ACL file naming name or keyed by addr (either may be
 * NULL) and, when reload and something was removed, reconfigures.
 * Returns the number of sandboxes removed, or -1. */
int sb_squid_forget(const char *name, const char *addr, int reload,
		    struct sb_error **err);

#endif
