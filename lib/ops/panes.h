/* Several sandboxes at once in tmux, one pane per sandbox (one command in
 * all of them without tmux is ops/parallel.h).
 *
 * The session is named after the set of names (sb_panes_session),
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

#endif
