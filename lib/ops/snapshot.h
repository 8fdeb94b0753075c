/* sandbox-snapshot: checkpoints of a sandbox to roll an agent's work back.
 *
 * A snapshot is an Incus instance snapshot (a btrfs subvolume snapshot:
 * instant, and a running sandbox is not stopped for it).  Incus deletes an
 * instance's snapshots with the instance, so sandbox-stop --rm needs
 * nothing more.  Every call blocks on the daemon. */
#ifndef SB_SNAPSHOT_H
#define SB_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

#include "core/error.h"
#include "incus/incus.h"

/* What a restore makes first and removes after, to put the sandbox back
 * when the restore fails halfway; users cannot take names with it. */
#define SB_SNAP_UNDO_PREFIX "sandbox-undo-"

struct sb_snap {
	char *name;
	time_t created;  /* 0 when unknown */
	long long size;  /* bytes; -1 when Incus does not know (a btrfs
			    pool without quotas) */
};

/* The rule for SNAP: the sandbox-name rule (letters, digits, hyphens, at
 * most 57, no hyphen at either end), and not the undo prefix. */
int sb_snapshot_check(const char *snap, struct sb_error **err);

/* Takes a snapshot of sandbox NAME; snap NULL names it snap-YYYYmmdd-
 * HHMMSS (UTC).  *made (caller frees) gets the name. */
int sb_snapshot_take(struct sb_incus *c, const char *name, const char *snap,
		     char **made, struct sb_error **err);

/* The snapshots of NAME, oldest first; with sizes, each one's own size
 * measured where Incus has none (snapsize.h: up to a few seconds). */
int sb_snapshot_list(struct sb_incus *c, const char *name, int sizes,
		     struct sb_snap **v, size_t *n, struct sb_error **err);
void sb_snapshot_list_free(struct sb_snap *v, size_t n);

int sb_snapshot_delete(struct sb_incus *c, const char *name,
		       const char *snap, struct sb_error **err);

/* Rolls NAME back to snap: a running sandbox is stopped, restored and
 * started again, with its firewall rules applied again; its slot, ports,
 * devices, metadata (deploy key, kept environment), agent and key stay as
 * they are now, only the filesystem goes back.  A failure puts the
 * sandbox back as it was (through an undo snapshot taken first).
 * *warning (caller frees, may be NULL) tells what the user should know. */
int sb_snapshot_restore(struct sb_incus *c, const char *name,
			const char *snap, char **warning,
			struct sb_error **err);

/* How many snapshots instance has (one GET of their URLs), -1 when
 * unknown. */
int sb_snapshot_count(struct sb_incus *c, const char *instance);

#endif
