/* tmux panes over several sandboxes.
 *
 * tmux is driven as a program (its command line is its API); pane ids come
 * back through -P -F '#{pane_id}' so every later command targets the exact
 * pane we made.  The sandbox name is kept in a pane user option
 * (@sandbox) as well as the title, because programs in the pane may
 * retitle it with an escape sequence and the border should still say
 * which sandbox it is. */
#include "ops/panes.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "model/sandbox.h"
#include "sys/spawn.h"

extern char **environ;

char *
sb_panes_session(char *const *names, size_t n)
{
	_cleanup_buf_ struct sb_buf b = { 0 };

	sb_buf_appendf(&b, "sandbox-");
	for (size_t i = 0; i < n; i++)
		sb_buf_appendf(&b, "%s%s", i ? "_" : "", names[i]);
	return b.overflow ? NULL : sb_buf_take(&b);
}

char *
sb_panes_pane_command(const char *prog, const char *name, const char *extra)
{
	_cleanup_buf_ struct sb_buf b = { 0 };

	sb_buf_append_shquote(&b, prog);
	sb_buf_append(&b, " ", 1);
	sb_buf_append_shquote(&b, name);
	if (extra) {
		sb_buf_append(&b, " ", 1);
		sb_buf_append_shquote(&b, extra);
	}
	return b.overflow ? NULL : sb_buf_take(&b);
}

/* Runs tmux with args; its stdout goes to out when non-NULL (trailing
 * newline cut), its stderr to errout when non-NULL.  Returns its exit
 * status, or -1 with *err set when it could not be run. */
static int
tmux(const char *const *args, char **out, struct sb_buf *errout,
     struct sb_error **err)
{
	const char *argv[32];
	_cleanup_buf_ struct sb_buf ob = { .max = 1 << 20 };
	struct sb_spawn s = {
		.argv = argv,
		.envp = environ,
		.out = { .how = out ? SB_SPAWN_CAPTURE : SB_SPAWN_INHERIT,
			 .buf = &ob },
		.err = { .how = errout ? SB_SPAWN_CAPTURE : SB_SPAWN_INHERIT,
			 .buf = errout },
	};
	_cleanup_error_ struct sb_error *e = NULL;
	size_t k = 0;
	int st;

	argv[k++] = "tmux";
	for (; *args && k < 31; args++)
		argv[k++] = *args;
	argv[k] = NULL;
	st = sb_spawn_run(&s, &e);
	if (st < 0) {
		if (s.exec_errno == ENOENT)
			return sb_error_set(err, SB_E_FAIL,
					    "tmux is not installed: several "
					    "sandboxes open in tmux panes "
					    "(install the tmux package)");
		if (s.pid > 0 || !e)
			return sb_error_pass(err, &e);
		errno = e->sys_errno;
		return sb_error_sys(err, "running tmux");
	}
	if (out) {
		while (ob.len && (ob.data[ob.len - 1] == '\n'))
			ob.data[--ob.len] = '\0';
		*out = ob.data ? sb_buf_take(&ob) : strdup("");
	}
	return st;
}

/* Runs tmux and turns a non-zero status into an error with its message. */
static int
tmux_ok(const char *const *args, char **out, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf eb = { .max = 4096 };
	int r = tmux(args, out, &eb, err);

	if (r > 0) {
		while (eb.len && eb.data[eb.len - 1] == '\n')
			eb.data[--eb.len] = '\0';
		sb_error_set(err, SB_E_FAIL, "tmux %s failed: %s", args[0],
			     eb.data ? eb.data : "no message");
		if (out) {
			free(*out);
			*out = NULL;
		}
		r = -1;
	}
	return r < 0 ? -1 : 0;
}

static int
title_pane(const char *pane, const char *name, struct sb_error **err)
{
	const char *t[] = { "select-pane", "-t", pane, "-T", name, NULL };
	const char *o[] = { "set-option", "-p", "-t", pane, "@sandbox", name,
			    NULL };

	if (tmux_ok(t, NULL, err) < 0 || tmux_ok(o, NULL, err) < 0)
		return -1;
	return 0;
}

/* Splits the window of first until there is a pane per command. */
static int
fill_window(const char *first, char *const *names, char **cmds, size_t n,
	    struct sb_error **err)
{
	const char *tiled[] = { "select-layout", "-t", first, "tiled", NULL };
	const char *bs[] = { "set-option", "-w", "-t", first,
			     "pane-border-status", "top", NULL };
	const char *bf[] = { "set-option", "-w", "-t", first,
			     "pane-border-format",
			     " #{?@sandbox,#{@sandbox},#{pane_title}} ", NULL };

	if (title_pane(first, names[0], err) < 0)
		return -1;
	for (size_t i = 1; i < n; i++) {
		_cleanup_free_ char *pane = NULL;
		const char *sp[] = { "split-window", "-t", first, "-P", "-F",
				     "#{pane_id}", cmds[i], NULL };

		if (tmux_ok(sp, &pane, err) < 0 ||
		    title_pane(pane, names[i], err) < 0)
			return -1;
		/* Re-tile after each split so the next one finds room. */
		if (tmux_ok(tiled, NULL, err) < 0)
			return -1;
	}
	if (tmux_ok(tiled, NULL, err) < 0 || tmux_ok(bs, NULL, err) < 0 ||
	    tmux_ok(bf, NULL, err) < 0)
		return -1;
	return 0;
}

static int
has_session(const char *target, struct sb_error **err)
{
	const char *a[] = { "has-session", "-t", target, NULL };
	_cleanup_buf_ struct sb_buf eb = { .max = 4096 };
	int r = tmux(a, NULL, &eb, err);

	return r < 0 ? -1 : r == 0;
}

/* A detached session of a pane per command, the size of our terminal;
 * one that someone made meanwhile is used as it is (*exists = 1). */
static int
new_session(const char *session, const char *target, char *const *names,
	    char **cmds, size_t n, int *exists, struct sb_error **err)
{
	_cleanup_free_ char *first = NULL;
	struct winsize w = { .ws_col = 200, .ws_row = 50 };
	char xs[16], ys[16];
	const char *ns[] = { "new-session", "-d", "-s", session, "-n",
			     "sandbox", "-x", xs, "-y", ys,
			     /* the first pane's id back, for fill_window */
			     "-P", "-F", "#{pane_id}", cmds[0], NULL };

	if (isatty(STDOUT_FILENO))
		ioctl(STDOUT_FILENO, TIOCGWINSZ, &w);
	snprintf(xs, sizeof(xs), "%u", w.ws_col ? w.ws_col : 200);
	snprintf(ys, sizeof(ys), "%u", w.ws_row ? w.ws_row : 50);
	if (tmux_ok(ns, &first, err) == 0)
		return fill_window(first, names, cmds, n, err);
	/* Someone made the same set meanwhile: use it. */
	if (has_session(target, SB_IGNORE) != 1)
		return -1;
	if (err) {
		sb_error_free(*err);
		*err = NULL;
	}
	*exists = 1;
	return 0;
}

int
sb_panes_tmux(char *const *names, size_t n, const char *extra, int *outcome,
	      char **session, struct sb_error **err)
{
	char prog[PATH_MAX];
	ssize_t pl = readlink("/proc/self/exe", prog, sizeof(prog) - 1);
	const char *in_tmux = getenv("TMUX");
	_cleanup_free_ char *target = NULL, *first = NULL;
	char **cmds;
	int r = -1, exists;

	*session = NULL;
	if (pl <= 0)
		return sb_error_sys(err, "finding our own program");
	prog[pl] = '\0';
	cmds = calloc(n, sizeof(*cmds));
	if (!cmds || !(*session = sb_panes_session(names, n)) ||
	    asprintf(&target, "=%s", *session) < 0) {
		free(cmds);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		if (!(cmds[i] = sb_panes_pane_command(prog, names[i], extra))) {
			sb_error_set(err, SB_E_SYSTEM, "out of memory");
			goto out;
		}

	if (in_tmux && *in_tmux) {
		/* Inside tmux: a new window of the current session. */
		const char *nw[] = { "new-window", "-n", *session, "-P", "-F",
				     "#{pane_id}", cmds[0], NULL };

		if (tmux_ok(nw, &first, err) < 0 ||
		    fill_window(first, names, cmds, n, err) < 0)
			goto out;
		*outcome = SB_PANES_WINDOW;
		r = 0;
		goto out;
	}

	exists = has_session(target, err);
	if (exists < 0)
		goto out;
	if (!exists &&
	    new_session(*session, target, names, cmds, n, &exists, err) < 0)
		goto out;
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		const char *at[] = { "attach-session", "-t", target, NULL };

		if (tmux(at, NULL, NULL, err) < 0)
			goto out;
		*outcome = exists ? SB_PANES_REUSED : SB_PANES_ATTACHED;
	} else {
		*outcome = exists ? SB_PANES_DETACHED_OLD : SB_PANES_DETACHED;
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);
	return r;
}
