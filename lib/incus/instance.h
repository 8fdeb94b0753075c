/* Operations on one Incus instance by name, each one REST call (plus the
 * wait on its operation).  All block on the daemon. */
#ifndef SB_INSTANCE_H
#define SB_INSTANCE_H

#include <json-c/json.h>

#include "core/error.h"
#include "incus/incus.h"

/* 1 when it exists, 0 when not, -1 on error. */
int sb_instance_exists(struct sb_incus *c, const char *name,
		       struct sb_error **err);
/* Status text ("Running", "Stopped"...) in *status (caller frees). */
int sb_instance_status(struct sb_incus *c, const char *name, char **status,
		       struct sb_error **err);
int sb_instance_start(struct sb_incus *c, const char *name,
		      struct sb_error **err);
/* Clean shutdown for up to grace seconds, then a forced stop.  Stopping a
 * stopped instance is not an error. */
int sb_instance_stop(struct sb_incus *c, const char *name, int grace,
		     struct sb_error **err);
/* Force-stops when running, then deletes.  A missing one is not an
 * error. */
int sb_instance_delete(struct sb_incus *c, const char *name,
		       struct sb_error **err);
/* Merges config keys (a json object of strings) and/or devices with one
 * PATCH, keeping the description (a PATCH without it clears it). */
int sb_instance_patch(struct sb_incus *c, const char *name, json_object *config,
		      json_object *devices, struct sb_error **err);
/* Removes a device (a full PUT guarded by the ETag: PATCH cannot delete).
 * A missing device is not an error. */
int sb_instance_remove_device(struct sb_incus *c, const char *name,
			      const char *device, struct sb_error **err);
int sb_instance_snapshot(struct sb_incus *c, const char *name,
			 const char *snap, struct sb_error **err);
/* eth0's first IPv4 address in an instance's state object (GET .../state,
 * or "state" of a recursion=2 listing); NULL when none (caller frees). */
char *sb_instance_state_ipv4(json_object *state);
/* Waits until eth0 has an IPv4 address; returns it (caller frees). */
char *sb_instance_wait_ipv4(struct sb_incus *c, const char *name,
			    double timeout, struct sb_error **err);

#endif
