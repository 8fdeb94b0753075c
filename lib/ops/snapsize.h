/* Snapshot sizes where Incus has none.
 *
 * On a btrfs pool without quotas Incus reports a snapshot's size as -1.
 * What a user wants to know is what deleting it would free: the bytes
 * only that snapshot references, which `btrfs filesystem du` (btrfs-progs,
 * no quotas needed) reports as "Exclusive" by walking the snapshot's
 * files.  One run covers every snapshot of a sandbox.  The snapshots are
 * read-only, but the container chose their contents (a million files
 * make a slow walk), so the run is bounded: past SB_SNAPSIZE_SECONDS the
 * sizes stay unknown.  Blocks for at most that long. */
#ifndef SB_SNAPSIZE_H
#define SB_SNAPSIZE_H

#include <stddef.h>

#include "ops/snapshot.h"

#define SB_SNAPSIZE_SECONDS 10

/* Fills v[i].size for every entry still at -1, from
 * DIR/storage-pools/POOL/containers-snapshots/INSTANCE/NAME.  Best
 * effort: what cannot be measured stays -1. */
void sb_snapshot_sizes(const char *incus_dir, const char *pool,
		       const char *instance, struct sb_snap *v, size_t n);
/* Parses `btrfs filesystem du -s --raw` output into v (by path order),
 * for tests and the fuzzer: line i+1 holds the i-th path's numbers. */
void sb_snapshot_sizes_parse(const char *out, struct sb_snap *v, size_t n);

#endif
