/* Host-side facts and helpers: the invoking user (under sudo, SUDO_USER,
 * never root), the toolkit's directories, the data directory, running a
 * helper program (sys/spawn.h), and the slot lock. */
#ifndef SB_HOST_H
#define SB_HOST_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"
#include "sys/spawn.h"

#define SB_STATE_DIR "/var/lib/sandbox"
#define SB_RUN_DIR "/run/sandbox"
#define SB_LOG_DIR "/var/log/sandbox"

/* The home directory of the user the files belong to: SUDO_USER's when
 * run through sudo, else $HOME, else the passwd entry.  Caller frees. */
char *sb_host_user_home(void);

/* Where stacks/ and allowlists/ are: $SANDBOX_DATADIR, else the tree the
 * program runs from (bin/../stacks), else the installed DATADIR. */
const char *sb_host_datadir(void);

/* Creates dir (and parents) with mode when missing. */
int sb_host_mkdirs(const char *dir, mode_t mode, struct sb_error **err);

/* Reads a whole file (capped at max bytes).  Missing: SB_E_NOTFOUND. */
int sb_host_read_file(const char *path, size_t max, struct sb_buf *out,
		      struct sb_error **err);
/* Writes a file atomically: temporary in the same directory, fsync,
 * rename. */
int sb_host_write_file(const char *path, const void *data, size_t len,
		       mode_t mode, struct sb_error **err);

/* The toolkit-wide lock serialising slot and port allocation between
 * concurrent sandbox-start/expose runs (flock on SB_RUN_DIR/slots.lock).
 * Returns the fd to pass to sb_host_unlock. */
int sb_host_lock(const char *name, struct sb_error **err);
void sb_host_unlock(int fd);

/* Interruption: SIGINT, SIGTERM and SIGHUP set a flag instead of killing
 * the program, so a command can stop at the next step and undo what it
 * did.  While armed, Incus requests in flight are aborted too (see
 * incus.c); undo code disarms first so its own requests run to the end. */
void sb_host_catch_signals(void);
void sb_host_arm_interrupt(int armed);
/* 1 when a signal arrived and interruption is armed. */
int sb_host_interrupted(void);
/* Returns -1 with SB_E_INTERRUPTED when sb_host_interrupted(). */
int sb_host_check_interrupt(struct sb_error **err);

/* "PID:STARTTIME" of this process, to mark work in progress, and whether
 * the process a token names is still alive (PID reuse is told apart by
 * the start time).  Caller frees the token. */
char *sb_host_process_token(void);
int sb_host_token_alive(const char *token);

/* Monotonic seconds, for timings and deadlines. */
double sb_host_now(void);

#endif
