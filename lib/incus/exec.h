/* Running a command inside an instance with its output recorded by Incus
 * (no websockets): POST .../exec with record-output, wait, fetch and delete
 * the two logs.  Blocks until the command ends.  For streaming and
 * interactive use see lib/incus/exec_ws.h. */
#ifndef SB_EXEC_H
#define SB_EXEC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "incus/incus.h"

/* argv and env are NULL-terminated ("K=V" for env; env may be NULL).
 * uid/gid < 0 mean root.  cwd may be NULL.  stdin_data, when non-NULL, is
 * fed to the command through a file pushed into the instance (recorded
 * exec has no stdin of its own); it is removed afterwards.  out and errout
 * may be NULL.  A command that runs and exits non-zero is not an error:
 * its status is in *exit_status. */
int sb_exec_recorded(struct sb_incus *c, const char *instance,
		     const char *const *argv, const char *const *env, int uid,
		     int gid, const char *cwd, const void *stdin_data,
		     size_t stdin_len, int *exit_status, struct sb_buf *out,
		     struct sb_buf *errout, struct sb_error **err);

#endif
