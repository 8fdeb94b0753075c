/* The Incus file API: push, pull and delete files in an instance.  Works on
 * stopped instances too.  Mode and owner apply only when the file is
 * created (INCUS-API.md §8), so sb_file_push deletes an existing file first
 * when asked for exact ownership. */
#ifndef SB_FILES_H
#define SB_FILES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "incus/incus.h"

/* Writes data to path (mode like 0644; uid/gid numeric).  The parent
 * directory must exist.  Replaces any existing file, so mode and owner
 * are always the ones given. */
int sb_file_push(struct sb_incus *c, const char *instance, const char *path,
		 const void *data, size_t len, int uid, int gid, int mode,
		 struct sb_error **err);
/* Creates a directory (no-op when it exists). */
/* A symlink at path to target (replacing what is there). */
int sb_file_symlink(struct sb_incus *c, const char *instance,
		    const char *path, const char *target,
		    struct sb_error **err);
int sb_file_mkdir(struct sb_incus *c, const char *instance, const char *path,
		  int uid, int gid, int mode, struct sb_error **err);
/* Reads a file into out (capped at max bytes; 0 for the default).  A
 * missing file gives SB_E_NOTFOUND; a read that takes longer than
 * SB_FILE_PULL_MS (a FIFO the container made, a stuck daemon) fails. */
#define SB_FILE_PULL_MS 5000L
int sb_file_pull(struct sb_incus *c, const char *instance, const char *path,
		 struct sb_buf *out, size_t max, struct sb_error **err);
/* Removes a file; a missing one is not an error. */
int sb_file_delete(struct sb_incus *c, const char *instance, const char *path,
		   struct sb_error **err);

#endif
