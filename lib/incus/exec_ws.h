/* Running a command inside an instance with its streams connected live,
 * through the Incus exec websockets (INCUS-API.md §7b): POST .../exec with
 * wait-for-websocket, connect every socket of the set within 5 s, pump
 * bytes with poll(2) until the command's streams end, then read its exit
 * status from the operation.  Blocks until the command ends.
 *
 * Non-interactive mode streams to arbitrary descriptors: the command's
 * stdout goes to fd_out and its stderr to fd_err as they arrive (a log
 * file, a pipe, a memfd; the same fd may be given for both), and fd_in is
 * read until end of file and sent as the command's stdin (-1: the command
 * sees end of file at once).  Interactive mode runs the command on a pty
 * of width x height whose one stream carries both directions: fd_in to
 * the pty, the pty to fd_out.  For recorded output without websockets see
 * lib/incus/exec.h. */
#ifndef SB_EXEC_WS_H
#define SB_EXEC_WS_H

#include "core/error.h"
#include "incus/incus.h"

struct sb_exec_spec {
	const char *const *argv; /* NULL-terminated; no shell is implied */
	const char *const *env;  /* NULL-terminated "K=V", or NULL */
	int uid, gid;            /* < 0: root */
	const char *cwd;         /* NULL: the server's default */
	int interactive;         /* pty mode */
	int width, height;       /* pty size (interactive); 0: 80x24 */
	int fd_in;               /* -1: no stdin */
	int fd_out;              /* -1: output is read and dropped */
	int fd_err;              /* -1: dropped; ignored when interactive */
	/* -1, or the read end of a pipe that a signal handler writes signal
	 * numbers into (one byte each).  SIGWINCH sends the size of the
	 * terminal on fd_out (else fd_in) as a window-resize; any other
	 * signal is forwarded to the command. */
	int signal_fd;
};

/* Every descriptor -1 and root: start from this, since 0 is stdin.
 *   struct sb_exec_spec s = SB_EXEC_SPEC_INIT;
 *   s.argv = argv; s.fd_out = s.fd_err = logfd; */
#define SB_EXEC_SPEC_INIT                                                  \
	{ .uid = -1, .gid = -1, .fd_in = -1, .fd_out = -1, .fd_err = -1,   \
	  .signal_fd = -1 }

/* Runs spec in instance.  Returns 0 with the command's exit status in
 * *exit_status (128+N after signal N), or -1 with *err set when the
 * command could not be run or the connection failed.  A command that
 * runs and exits non-zero is not an error.  fd_out/fd_err are written
 * with blocking writes; none of the caller's descriptors is closed or has
 * its flags changed.  Thread-safe as long as each thread has its own c. */
int sb_exec_stream(struct sb_incus *c, const char *instance,
		   const struct sb_exec_spec *spec, int *exit_status,
		   struct sb_error **err);

#endif
