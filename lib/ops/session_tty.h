/* Our own terminal during a session: raw mode, and the signals that reach
 * the exec pump through a self-pipe.  One session per process at a time:
 * the state the signal handler needs is file-global. */
#ifndef SB_SESSION_TTY_H
#define SB_SESSION_TTY_H

#include <signal.h>

#include "core/error.h"

/* SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT. */
#define SB_SESSION_TTY_NSIG 5

struct sb_session_tty {
	struct sigaction old[SB_SESSION_TTY_NSIG];
	int signal_fd; /* the read end of the self-pipe, for the pump */
};

/* Installs the handlers: SIGWINCH becomes a byte on signal_fd (the pump
 * sends a window resize); the first of the others is forwarded the same
 * way, a second one restores the terminal and ends us. */
int sb_session_tty_signals(struct sb_session_tty *t, struct sb_error **err);
/* Puts stdin's terminal in raw mode so that Ctrl-C, Ctrl-D and Ctrl-Z
 * reach the remote pty as bytes.  Also restored at exit. */
int sb_session_tty_raw(struct sb_error **err);
/* Restores the terminal mode (when raw) and the old handlers, and closes
 * the self-pipe. */
void sb_session_tty_restore(struct sb_session_tty *t);
/* The size of stdout's terminal: 0, or -1 when it is not one. */
int sb_session_tty_size(int *width, int *height);

#endif
