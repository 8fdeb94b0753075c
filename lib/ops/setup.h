/* sandbox-setup's Incus part: a daemon that answers, a btrfs storage
 * pool, the bridge sandboxbr0 and the profile `sandbox`.  Reuses what
 * exists and never touches the user's default profile or other bridges.
 * Blocks on the daemon. */
#ifndef SB_SETUP_H
#define SB_SETUP_H

#include "core/error.h"
#include "incus/incus.h"
#include "model/sandbox.h"

struct sb_setup_opts {
	const char *pool_size; /* loop file size for a new pool, "30GiB" */
};

/* What setup found or did, one line each, for the user. */
struct sb_setup_report {
	char *lines[16];
	int n;
	int changed; /* something was created */
};

/* Starts incusd when nothing answers (systemd units where systemd runs,
 * the daemon in the background otherwise) and waits until it is ready.
 * Only called by sandbox-setup. */
int sb_setup_daemon(struct sb_incus *c, struct sb_setup_report *rep,
		    struct sb_error **err);
/* Raises the kernel limits (inotify, keys, map count) that many
 * containers need, now and in /etc/sysctl.d for the next boot. */
int sb_setup_host_limits(struct sb_setup_report *rep, struct sb_error **err);
int sb_setup_incus(struct sb_incus *c, const struct sb_setup_opts *o,
		   struct sb_setup_report *rep, struct sb_error **err);
/* The eth0 device of the profile, and of each sandbox with its pinned
 * address (ipv4 may be NULL).  A new object the caller owns. */
json_object *sb_setup_nic(const char *ipv4);
/* The pool the profile's root disk is on (caller frees), or NULL. */
char *sb_setup_pool_of_profile(struct sb_incus *c, struct sb_error **err);
void sb_setup_report_add(struct sb_setup_report *rep, int changed,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sb_setup_report_release(struct sb_setup_report *rep);

#endif
