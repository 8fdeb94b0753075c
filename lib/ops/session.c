/* A session in a sandbox: the login command and environment, and running
 * it on our own terminal over the exec websockets (the terminal itself is
 * session_tty.c). */
#include "ops/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "creds/creds.h"
#include "ops/session_tty.h"

void
sb_session_prepare(struct sb_session_cmd *sc, int mode, const char *cmd,
		   struct sb_exec_spec *spec)
{
	const char *term = getenv("TERM");
	const char *lang = getenv("LANG");
	size_t k = 0;

	memset(sc, 0, sizeof(*sc));
	/* Incus exec sets no supplementary groups, so a plain uid 1000 exec
	 * would not be in docker or sudo.  Start as root, hand the pty to the
	 * user, and drop to uid/gid 1000 with its groups via setpriv. */
	if (spec->interactive) {
		sc->argv[k++] = "/bin/sh";
		sc->argv[k++] = "-c";
		sc->argv[k++] = "t=$(tty 2>/dev/null) && chown " SB_USER
				" \"$t\" 2>/dev/null; "
				"exec setpriv --reuid=" SB_USER_UID_TEXT
				" --regid=" SB_USER_GID_TEXT
				" --init-groups -- \"$@\"";
		sc->argv[k++] = "sh";
	} else {
		/* No pty to hand over: skip the shell (a few ms per call). */
		sc->argv[k++] = "setpriv";
		sc->argv[k++] = "--reuid=" SB_USER_UID_TEXT;
		sc->argv[k++] = "--regid=" SB_USER_GID_TEXT;
		sc->argv[k++] = "--init-groups";
		sc->argv[k++] = "--";
	}
	sc->argv[k++] = "bash";
	sc->argv[k++] = "--login";
	if (mode != SB_SESSION_SHELL) {
		sc->argv[k++] = "-c";
		sc->argv[k++] = mode == SB_SESSION_CLAUDE ? SB_CLAUDE_COMMAND :
							    cmd;
	}
	k = 0;
	sc->envbuf[k++] = strdup("HOME=" SB_USER_HOME);
	sc->envbuf[k++] = strdup("USER=" SB_USER);
	sc->envbuf[k++] = strdup("LOGNAME=" SB_USER);
	sc->envbuf[k++] = strdup("SHELL=/bin/bash");
	sc->envbuf[k++] = strdup("SSH_AUTH_SOCK=" SB_CREDS_GUEST_SOCK);
	if (asprintf(&sc->envbuf[k], "TERM=%s",
		     term && *term ? term : "xterm-256color") >= 0)
		k++;
	if (asprintf(&sc->envbuf[k], "LANG=%s",
		     lang && *lang ? lang : "C.UTF-8") >= 0)
		k++;
	for (size_t i = 0, j = 0; i < k; i++)
		if (sc->envbuf[i])
			sc->env[j++] = sc->envbuf[i];
	spec->argv = sc->argv;
	spec->env = sc->env;
	spec->uid = 0;
	spec->gid = 0;
	spec->cwd = SB_WORKSPACE;
}

void
sb_session_cmd_release(struct sb_session_cmd *sc)
{
	for (size_t i = 0; i < sizeof(sc->envbuf) / sizeof(sc->envbuf[0]);
	     i++)
		free(sc->envbuf[i]);
	memset(sc, 0, sizeof(*sc));
}

struct sb_sandbox *
sb_session_running(struct sb_incus *c, const char *name,
		   struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = sb_sandbox_get(c, name, err);

	if (!s)
		return NULL;
	if (!s->running) {
		sb_error_set(err, SB_E_FAIL,
			     "sandbox '%s' is %s: start it with "
			     "'sandbox-start %s'",
			     name, s->status ? s->status : "not running", name);
		return NULL;
	}
	return TAKE_PTR(s);
}

int
sb_session_run(struct sb_incus *c, const char *name, int mode,
	       const char *cmd, int *exit_status, struct sb_error **err)
{
	struct sb_session_cmd sc;
	struct sb_exec_spec spec = SB_EXEC_SPEC_INIT;
	struct sb_session_tty tty;
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;
	int r;

	*exit_status = -1;
	if (!(s = sb_session_running(c, name, err)))
		return -1;
	spec.fd_in = STDIN_FILENO;
	spec.fd_out = STDOUT_FILENO;
	spec.fd_err = STDERR_FILENO;
	spec.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (spec.interactive)
		sb_session_tty_size(&spec.width, &spec.height);
	sb_session_prepare(&sc, mode, cmd, &spec);
	if (sb_session_tty_signals(&tty, err) < 0) {
		sb_session_cmd_release(&sc);
		return -1;
	}
	spec.signal_fd = tty.signal_fd;
	r = spec.interactive ? sb_session_tty_raw(err) : 0;
	if (r == 0)
		r = sb_exec_stream(c, s->instance, &spec, exit_status, err);
	sb_session_tty_restore(&tty);
	sb_session_cmd_release(&sc);
	if (r < 0)
		return sb_error_prefix(err, "session in '%s'", name);
	return 0;
}
