/* sandbox-list: every sandbox with its health.  Blocks on the daemon; the
 * health checks run concurrently, one connection per thread. */
#ifndef SB_LIST_H
#define SB_LIST_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/error.h"
#include "incus/incus.h"
#include "model/sandbox.h"

/* One row of sandbox-list. */
struct sb_list_row {
	struct sb_sandbox *s;
	const char *egress; /* "open" / "filtered" */
	char *docker;       /* "running" / "stopped" / "none" / NULL */
	const char *agent;  /* "ok" / "no-key" / "none" / NULL */
	char *claude;       /* "yes" / "no" / NULL */
	char *branch;       /* current branch of /workspace/project */
	char *slug;         /* owner/repo of its origin */
	int snapshots;      /* how many; -1 unknown (or no health) */
};

/* Reads every sandbox in one request; with health, runs the per-sandbox
 * checks of running ones concurrently.  Sorted by name. */
int sb_list(struct sb_incus *c, int health, struct sb_list_row **rows,
	    size_t *n, struct sb_error **err);
void sb_list_free(struct sb_list_row *rows, size_t n);
/* The same data as a JSON array with stable field names. */
json_object *sb_list_json(const struct sb_list_row *rows, size_t n);

#endif
