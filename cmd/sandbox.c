/* sandbox: a login shell (or claude, or one command) in a sandbox.
 *
 * One name: the session runs on our terminal through the exec websockets
 * and its exit status becomes ours.  Several names: a tmux session with a
 * pane per sandbox, or with --cmd the command in all of them at once,
 * printed under each name in the order given.  --ssh-config prints the
 * ~/.ssh/config block editors (VS Code Remote SSH) need.
 *
 * Every sandbox is checked before tmux is touched, so a pane never opens
 * only to show that its sandbox is stopped. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "cli/cli.h"
#include "incus/incus.h"
#include "ops/panes.h"
#include "ops/parallel.h"
#include "model/sandbox.h"
#include "ops/session.h"
#include "sys/invoker.h"
#include "ops/session_args.h"
#include "ops/session_ssh.h"

static const char usage[] =
	"Usage: sandbox NAME [--claude | --cmd CMD]\n"
	"       sandbox NAME... [--claude]\n"
	"       sandbox NAME... --cmd CMD [--parallel N]\n"
	"       sandbox NAME... --ssh-config [--jump HOST]\n"
	"\n"
	"Open a login shell as " SB_USER " in " SB_WORKSPACE
	" of sandbox NAME.\n"
	"Several names open a tmux session with one pane per sandbox.\n"
	"\n"
	"  --claude        run claude --dangerously-skip-permissions\n"
	"  --cmd CMD       run CMD with bash --login -c; exit with its status\n"
	"                  (several names: all at once, output under each name)\n"
	"  --parallel N    with --cmd, run at most N at a time\n"
	"  --ssh-config    print a Host block for ~/.ssh/config\n"
	"  --jump HOST     add ProxyJump HOST (sandbox on a remote server)\n"
	"  -h, --help      show this help\n"
	"      --version   show the version\n";

static int
ssh_config(struct sb_incus *c, const struct sb_session_args *a)
{
	_cleanup_free_ char *home = sb_invoker_home();
	_cleanup_free_ char *id = sb_session_identity(home);
	int rc = 0;

	for (size_t i = 0; i < a->nnames; i++) {
		struct sb_error *err = NULL;
		_cleanup_sandbox_ struct sb_sandbox *s = NULL;
		_cleanup_free_ char *text = NULL;

		s = sb_sandbox_get(c, a->names[i], &err);
		if (s)
			text = sb_session_ssh_config(s, id, a->jump, &err);
		if (text)
			printf("%s%s", i ? "\n" : "", text);
		else
			rc = sb_cli_exit(err);
	}
	return rc;
}

static void
print_result(void *ud, size_t i, const struct sb_parallel_result *r)
{
	char buf[8192];
	ssize_t n;

	(void)ud;
	fflush(stderr);
	printf("%s%s==> %s <==%s\n", i ? "\n" : "", sb_cli_paint(stdout, "bold"),
	       r->name, sb_cli_paint(stdout, "reset"));
	fflush(stdout);
	while (r->out_fd >= 0 && (n = read(r->out_fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	fflush(stdout);
	if (r->error)
		sb_cli_warn("%s", r->error->msg);
	else if (r->status)
		sb_cli_warn("'%s' exited with status %d", r->name, r->status);
}

static int
several(struct sb_incus *c, const struct sb_session_args *a)
{
	struct sb_error *err = NULL;
	_cleanup_free_ char *session = NULL;
	int outcome, worst;

	if (a->mode == SB_SESSION_CMD) {
		if (sb_parallel_run(c, a->names, a->nnames, a->cmd, a->parallel,
				    print_result, NULL, &worst, &err) < 0)
			return sb_cli_exit(err);
		return worst;
	}
	for (size_t i = 0; i < a->nnames; i++) {
		_cleanup_sandbox_ struct sb_sandbox *s = NULL;

		if (!(s = sb_session_running(c, a->names[i], &err)))
			return sb_cli_exit(err);
	}
	if (sb_panes_tmux(a->names, a->nnames,
			  a->mode == SB_SESSION_CLAUDE ? "--claude" : NULL,
			  &outcome, &session, &err) < 0)
		return sb_cli_exit(err);
	if (outcome == SB_PANES_DETACHED || outcome == SB_PANES_DETACHED_OLD)
		printf("tmux session %s %s; attach with: tmux attach -t %s\n",
		       session, outcome == SB_PANES_DETACHED ? "created" :
		       "exists", session);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sb_session_args a;
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int rc, status;

	sb_cli_init(argv[0]);
	if (sb_session_parse_args(argc, argv, &a, &err) < 0) {
		sb_session_args_release(&a);
		rc = sb_cli_usage_error("%s", err->msg);
		sb_error_free(err);
		return rc;
	}
	if (a.help || a.version) {
		sb_session_args_release(&a);
		return sb_cli_common(a.help ? SB_OPT_HELP : SB_OPT_VERSION,
				     usage);
	}
	/* A closed pipe on our stdout must not kill us mid-session. */
	signal(SIGPIPE, SIG_IGN);
	if (!(c = sb_incus_open(NULL, &err))) {
		sb_session_args_release(&a);
		return sb_cli_exit(err);
	}
	if (a.ssh_config)
		rc = ssh_config(c, &a);
	else if (a.nnames > 1)
		rc = several(c, &a);
	else if (sb_session_run(c, a.names[0], a.mode, a.cmd, &status,
				&err) < 0)
		rc = sb_cli_exit(err);
	else
		rc = status;
	sb_session_args_release(&a);
	return rc;
}
