/* The terminal of an interactive session.
 *
 * The local terminal goes to raw mode so that Ctrl-C, Ctrl-D and Ctrl-Z
 * reach the remote pty as bytes and its line discipline acts on them.
 * The saved state is restored on return, at exit, and from the signal
 * handler when a second terminating signal arrives (tcsetattr is
 * async-signal-safe).  Signals reach the exec pump through a self-pipe. */
#include "ops/session_tty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_seen[NSIG];

static void
restore_tty(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
		tio_saved = 0;
	}
}

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (sig != SIGWINCH && sig_seen[sig]++) {
		/* Asked twice: the remote side did not end; give up. */
		restore_tty();
		signal(sig, SIG_DFL);
		raise(sig);
	}
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
		/* a full pipe already carries a wake-up */
	}
	errno = saved;
}

static const int handled[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))
_Static_assert(NHANDLED == SB_SESSION_TTY_NSIG, "one old action per signal");

int
sb_session_tty_signals(struct sb_session_tty *t, struct sb_error **err)
{
	struct sigaction sa;
	static int atexit_done;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return sb_error_sys(err, "creating a pipe");
	if (!atexit_done && atexit(restore_tty) == 0)
		atexit_done = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < NHANDLED; i++) {
		sig_seen[handled[i]] = 0;
		sigaction(handled[i], &sa, &t->old[i]);
	}
	t->signal_fd = sig_pipe[0];
	return 0;
}

int
sb_session_tty_raw(struct sb_error **err)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return sb_error_sys(err, "reading the terminal mode");
	tio_saved = 1;
	t = saved_tio;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0) {
		tio_saved = 0;
		return sb_error_sys(err, "setting the terminal to raw mode");
	}
	return 0;
}

void
sb_session_tty_restore(struct sb_session_tty *t)
{
	restore_tty();
	for (size_t i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &t->old[i], NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	t->signal_fd = -1;
}

int
sb_session_tty_size(int *width, int *height)
{
	struct winsize w;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) < 0)
		return -1;
	*width = w.ws_col;
	*height = w.ws_row;
	return 0;
}
