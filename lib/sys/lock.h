/* The toolkit-wide locks between concurrent runs. */
#ifndef SB_LOCK_H
#define SB_LOCK_H

#include "core/error.h"

/* The toolkit-wide lock serialising slot and port allocation between
 * concurrent sandbox-start/expose runs (flock on SB_RUN_DIR/NAME.lock).
 * Blocks until it is ours.  Returns the fd to pass to sb_lock_release. */
int sb_lock_take(const char *name, struct sb_error **err);
void sb_lock_release(int fd);

#endif
