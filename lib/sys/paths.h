/* The toolkit's directories on the host: its state, run and log
 * directories, the data directory (stacks/, allowlists/), and making
 * them. */
#ifndef SB_PATHS_H
#define SB_PATHS_H

#include <sys/types.h>

#include "core/error.h"

#define SB_STATE_DIR "/var/lib/sandbox"
#define SB_RUN_DIR "/run/sandbox"
#define SB_LOG_DIR "/var/log/sandbox"

/* Where stacks/ and allowlists/ are: $SANDBOX_DATADIR, else the tree the
 * program runs from (bin/../stacks), else the installed DATADIR. */
const char *sb_paths_datadir(void);

/* Creates dir (and parents) with mode when missing. */
int sb_paths_mkdirs(const char *dir, mode_t mode, struct sb_error **err);

#endif
