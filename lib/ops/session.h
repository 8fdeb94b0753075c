/* Sessions in a sandbox: the login shell (or claude, or one command) as
 * ubuntu in /workspace/project over the exec websockets.  The `sandbox`
 * program's arguments are in session_args.h, the ~/.ssh/config block for
 * editors in session_ssh.h.
 *
 * Incus never reads /etc/passwd (INCUS-API.md §7), so the login
 * environment (HOME, USER, ...) is set here rather than by su. */
#ifndef SB_SESSION_H
#define SB_SESSION_H

#include "core/error.h"
#include "incus/exec_ws.h"
#include "incus/incus.h"
#include "model/sandbox.h"

#define SB_CLAUDE_COMMAND "claude --dangerously-skip-permissions"

enum sb_session_mode {
	SB_SESSION_SHELL,  /* bash --login */
	SB_SESSION_CLAUDE, /* bash --login -c 'claude ...' */
	SB_SESSION_CMD,    /* bash --login -c CMD */
};

/* The command and login environment for a mode, filled into spec (argv,
 * env, uid, gid, cwd; the caller sets the fds and interactive).  The
 * strings live in sc until sb_session_cmd_release. */
struct sb_session_cmd {
	const char *argv[13];
	char *envbuf[10];
	const char *env[10];
};
void sb_session_prepare(struct sb_session_cmd *sc, int mode,
			const char *cmd, struct sb_exec_spec *spec);
void sb_session_cmd_release(struct sb_session_cmd *sc);

/* Fetches NAME and fails, with a line that says to run sandbox-start,
 * when it is unknown or not running. */
struct sb_sandbox *sb_session_running(struct sb_incus *c, const char *name,
				      struct sb_error **err);

/* Runs a session on our own terminal: interactive with a pty of the
 * terminal's size (raw mode, restored on every exit path including
 * signals; SIGWINCH becomes a window-resize) when stdin and stdout are
 * terminals, otherwise non-interactive with stdin passed through and
 * separate stdout/stderr.  Blocks until the remote command ends; its exit
 * status goes to *exit_status.  Installs signal handlers for the
 * duration (SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT: the first of these
 * is forwarded to the command, a second one restores the terminal and
 * ends us). */
int sb_session_run(struct sb_incus *c, const char *name, int mode,
		   const char *cmd, int *exit_status, struct sb_error **err);

#endif
