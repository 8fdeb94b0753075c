/* The interactive session and the argument rules of `sandbox`.
 *
 * Terminal handling: the local terminal goes to raw mode so that Ctrl-C,
 * Ctrl-D and Ctrl-Z reach the remote pty as bytes and its line discipline
 * acts on them.  The saved state is restored on return, at exit, and from
 * the signal handler when a second terminating signal arrives (tcsetattr
 * is async-signal-safe).  Signals reach the exec pump through a self-pipe. */
#include "ops/session.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/text.h"
#include "creds/creds.h"

/* ---- arguments ---- */

enum { OPT_CLAUDE = 0x2000, OPT_CMD, OPT_PARALLEL, OPT_SSH_CONFIG,
       OPT_JUMP, OPT_VERSION };

int
sb_session_parse_args(int argc, char **argv, struct sb_session_args *a,
		      struct sb_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "claude", no_argument, NULL, OPT_CLAUDE },
		{ "cmd", required_argument, NULL, OPT_CMD },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "ssh-config", no_argument, NULL, OPT_SSH_CONFIG },
		{ "jump", required_argument, NULL, OPT_JUMP },
		{ NULL, 0, NULL, 0 },
	};
	int opt, claude = 0;
	long n;

	memset(a, 0, sizeof(*a));
	a->mode = SB_SESSION_SHELL;
	optind = 0; /* GNU: re-initialise, so the parser can run twice */
	opterr = 0; /* library code does not print */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			a->help = 1;
			return 0;
		case OPT_VERSION:
			a->version = 1;
			return 0;
		case OPT_CLAUDE:
			claude = 1;
			break;
		case OPT_CMD:
			if (a->cmd)
				return sb_error_set(err, SB_E_USAGE,
						    "--cmd given twice");
			if (!*optarg)
				return sb_error_set(err, SB_E_USAGE,
						    "--cmd needs a command");
			a->cmd = optarg;
			break;
		case OPT_PARALLEL:
			if (sb_parse_int(optarg, 1, SB_PARALLEL_MAX,
					 "--parallel", &n, err) < 0) {
				if (err && *err)
					(*err)->code = SB_E_USAGE;
				return -1;
			}
			a->parallel = (int)n;
			break;
		case OPT_SSH_CONFIG:
			a->ssh_config = 1;
			break;
		case OPT_JUMP:
			if (!*optarg || *optarg == '-')
				return sb_error_set(err, SB_E_USAGE,
						    "--jump needs a host, "
						    "not '%s'", optarg);
			a->jump = optarg;
			break;
		case ':':
			return sb_error_set(err, SB_E_USAGE,
					    "option '%s' needs a value",
					    argv[optind - 1]);
		default:
			return sb_error_set(err, SB_E_USAGE,
					    "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (claude && a->cmd)
		return sb_error_set(err, SB_E_USAGE,
				    "--claude and --cmd exclude each other");
	if (a->ssh_config && (claude || a->cmd))
		return sb_error_set(err, SB_E_USAGE,
				    "--ssh-config does not combine with "
				    "--claude or --cmd");
	if (a->jump && !a->ssh_config)
		return sb_error_set(err, SB_E_USAGE,
				    "--jump only goes with --ssh-config");
	if (a->parallel && !a->cmd)
		return sb_error_set(err, SB_E_USAGE,
				    "--parallel only goes with --cmd");
	if (optind >= argc)
		return sb_error_set(err, SB_E_USAGE,
				    "no sandbox named: give one NAME or more");
	a->mode = claude ? SB_SESSION_CLAUDE :
		  a->cmd ? SB_SESSION_CMD : SB_SESSION_SHELL;
	a->nnames = (size_t)(argc - optind);
	a->names = calloc(a->nnames + 1, sizeof(*a->names));
	if (!a->names)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < a->nnames; i++) {
		a->names[i] = argv[optind + (int)i];
		if (sb_name_check(a->names[i], err) < 0) {
			if (err && *err)
				(*err)->code = SB_E_USAGE;
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->names[j], a->names[i]) == 0)
				return sb_error_set(err, SB_E_USAGE,
						    "sandbox '%s' named twice",
						    a->names[i]);
	}
	return 0;
}

void
sb_session_args_release(struct sb_session_args *a)
{
	free(a->names);
	a->names = NULL;
}

/* ---- command and environment ---- */

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
	struct sb_sandbox *s = sb_sandbox_get(c, name, err);

	if (!s)
		return NULL;
	if (!s->running) {
		sb_error_set(err, SB_E_FAIL,
			     "sandbox '%s' is %s: start it with "
			     "'sandbox-start %s'", name,
			     s->status ? s->status : "not running", name);
		sb_sandbox_free(s);
		return NULL;
	}
	return s;
}

/* ---- the terminal ---- */

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

static int
install_signals(struct sigaction old[NHANDLED], struct sb_error **err)
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
		sigaction(handled[i], &sa, &old[i]);
	}
	return 0;
}

static void
remove_signals(struct sigaction old[NHANDLED])
{
	for (size_t i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &old[i], NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
}

static int
raw_tty(struct sb_error **err)
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

int
sb_session_run(struct sb_incus *c, const char *name, int mode,
	       const char *cmd, int *exit_status, struct sb_error **err)
{
	struct sb_session_cmd sc;
	struct sb_exec_spec spec = SB_EXEC_SPEC_INIT;
	struct sigaction old[NHANDLED];
	struct sb_sandbox *s;
	struct winsize w;
	int r;

	*exit_status = -1;
	if (!(s = sb_session_running(c, name, err)))
		return -1;
	spec.fd_in = STDIN_FILENO;
	spec.fd_out = STDOUT_FILENO;
	spec.fd_err = STDERR_FILENO;
	spec.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (spec.interactive && ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0) {
		spec.width = w.ws_col;
		spec.height = w.ws_row;
	}
	sb_session_prepare(&sc, mode, cmd, &spec);
	if (install_signals(old, err) < 0) {
		sb_session_cmd_release(&sc);
		sb_sandbox_free(s);
		return -1;
	}
	spec.signal_fd = sig_pipe[0];
	r = spec.interactive ? raw_tty(err) : 0;
	if (r == 0)
		r = sb_exec_stream(c, s->instance, &spec, exit_status, err);
	restore_tty();
	remove_signals(old);
	sb_session_cmd_release(&sc);
	sb_sandbox_free(s);
	if (r < 0)
		return sb_error_prefix(err, "session in '%s'", name);
	return 0;
}

/* ---- ssh config ---- */

char *
sb_session_identity(const char *home)
{
	static const char *const keys[] = { "id_ed25519", "id_ecdsa",
					    "id_rsa" };
	struct stat st;

	if (!home)
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *p = NULL, *pub = NULL;

		if (asprintf(&p, "%s/.ssh/%s", home, keys[i]) < 0)
			return NULL;
		if (asprintf(&pub, "%s.pub", p) < 0) {
			free(p);
			return NULL;
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    stat(pub, &st) == 0 && S_ISREG(st.st_mode)) {
			free(pub);
			return p;
		}
		free(p);
		free(pub);
	}
	return NULL;
}

char *
sb_session_ssh_config(const struct sb_sandbox *s, const char *identity,
		      const char *jump, struct sb_error **err)
{
	int port = s->ssh_port ? s->ssh_port :
		   s->slot ? SB_SSH_BASE + s->slot : 0;
	struct sb_buf b = { 0 };

	if (!port) {
		sb_error_set(err, SB_E_FAIL,
			     "sandbox '%s' has no ssh-proxy device and no "
			     "slot: recreate it with 'sandbox-start %s'",
			     s->name, s->name);
		return NULL;
	}
	sb_buf_appendf(&b, "Host sandbox-%s\n", s->name);
	sb_buf_appendf(&b, "  HostName localhost\n");
	sb_buf_appendf(&b, "  Port %d\n", port);
	sb_buf_appendf(&b, "  User %s\n", SB_USER);
	if (identity)
		sb_buf_appendf(&b, "  IdentityFile %s\n", identity);
	if (jump)
		sb_buf_appendf(&b, "  ProxyJump %s\n", jump);
	if (b.overflow || !b.data) {
		sb_buf_release(&b);
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_buf_take(&b);
}
