/* Several sandboxes at once: a tmux session with one pane per sandbox, or
 * one command run in all of them concurrently without tmux.
 *
 * tmux: the session is named after the set of names (sb_panes_session),
 * so asking for the same set again attaches to it instead of making a
 * second one, and no existing session is ever killed.  Inside tmux ($TMUX
 * set) a new window is opened instead of nesting a client.  Each pane runs
 * this same program (by absolute path) for one name. */
#ifndef SB_PANES_H
#define SB_PANES_H

#include <stddef.h>

#include "core/error.h"
#include "incus/incus.h"

/* "sandbox-a_b_c": names joined by '_', which a name cannot contain, so
 * two different sets never share a session.  Caller frees. */
char *sb_panes_session(char *const *names, size_t n);

/* The shell command a pane runs: 'PROG' 'NAME' [extra].  Caller frees. */
char *sb_panes_pane_command(const char *prog, const char *name,
			    const char *extra);

enum sb_panes_outcome {
	SB_PANES_ATTACHED,    /* we attached and the client has detached */
	SB_PANES_REUSED,      /* the session existed; attached to it */
	SB_PANES_WINDOW,      /* inside tmux: a new window was opened */
	SB_PANES_DETACHED,    /* no terminal: created, not attached */
	SB_PANES_DETACHED_OLD,/* no terminal: it existed already */
};

/* Opens (or reattaches to) the tiled session for names; extra ("--claude"
 * or NULL) is passed to every pane.  Runs tmux from PATH and blocks while
 * attached.  *session receives the session name (caller frees). */
int sb_panes_tmux(char *const *names, size_t n, const char *extra,
		  int *outcome, char **session, struct sb_error **err);

/* One sandbox's result in sb_panes_run_cmd. */
struct sb_panes_result {
	const char *name;
	int status;             /* the command's exit status, or 1 */
	int out_fd;             /* stdout and stderr, read from offset 0 */
	struct sb_error *error; /* why it could not run, or NULL */
};

/* Called on the calling thread once per name, in the order given, as
 * soon as that name and all before it are done.  out_fd and error are
 * released after the call. */
typedef void (*sb_panes_done_fn)(void *ud, size_t i,
				 const struct sb_panes_result *r);

/* Runs `bash --login -c cmd` as the session user in every named sandbox,
 * at most parallel at a time (0: all at once), each thread on its own
 * connection (sb_incus_dup).  stdin is not passed.  *worst receives the
 * highest exit status.  Returns -1 only when nothing could be started. */
int sb_panes_run_cmd(struct sb_incus *c, char *const *names, size_t n,
		     const char *cmd, int parallel, sb_panes_done_fn done,
		     void *ud, int *worst, struct sb_error **err);

#endif
