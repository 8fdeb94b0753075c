/* Stopping, removing, listing and exposing sandboxes.  Each blocks on the
 * daemon; list's health checks run concurrently, one connection per
 * thread. */
#ifndef SB_LIFECYCLE_H
#define SB_LIFECYCLE_H

#include <json-c/json.h>

#include "core/error.h"
#include "incus/incus.h"
#include "model/sandbox.h"

/* Stops NAME (clean shutdown for grace seconds, then forced), ending its
 * agent and removing its egress rules; a stopped one is not an error.
 * With rm, also deletes the GitHub key and the instance; *left (caller
 * frees) then says what could not be removed on GitHub, if anything. */
int sb_stop(struct sb_incus *c, const char *name, int rm, int grace,
	    char **left, struct sb_error **err);

/* One row of sandbox-list. */
struct sb_list_row {
	struct sb_sandbox *s;
	const char *egress;  /* "open" / "filtered" */
	char *docker;        /* "running" / "stopped" / "none" / NULL */
	const char *agent;   /* "ok" / "no-key" / "none" / NULL */
	char *claude;        /* "yes" / "no" / NULL */
	char *branch;        /* current branch of /workspace/project */
	char *slug;          /* owner/repo of its origin */
	int snapshots;       /* how many; -1 unknown (or no health) */
};

/* Reads every sandbox in one request; with health, runs the per-sandbox
 * checks of running ones concurrently.  Sorted by name. */
int sb_list(struct sb_incus *c, int health, struct sb_list_row **rows,
	    size_t *n, struct sb_error **err);
void sb_list_free(struct sb_list_row *rows, size_t n);
/* The same data as a JSON array with stable field names. */
json_object *sb_list_json(const struct sb_list_row *rows, size_t n);

/* sandbox-expose: adds (or with remove, removes) port-PORT-PROTO proxy
 * devices for tcp, udp or both, listening on host_port (0: PORT+slot). */
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
