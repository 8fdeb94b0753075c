/* sandbox-start: create a sandbox, or start a stopped one.
 *
 * Creating clones golden-STACK/ready into agent-NAME, gives it a slot and
 * its ports, injects the host user's SSH key and the environment, and
 * waits until sshd answers.  Restarting refuses flags that only apply at
 * creation instead of silently ignoring them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "sys/signals.h"
#include "incus/incus.h"
#include "model/sandbox.h"
#include "ops/start.h"

static const char usage[] =
	"Usage: sandbox-start NAME [REPO] [OPTIONS]\n"
	"Create the sandbox NAME (container agent-NAME), or start it again.\n"
	"\n"
	"  REPO                   GitHub repository to clone, with a deploy key:\n"
	"                         git@github.com:OWNER/REPO.git,\n"
	"                         ssh://git@github.com/OWNER/REPO.git or\n"
	"                         https://github.com/OWNER/REPO\n"
	"  --stack STACK          golden image to clone (default base)\n"
	"  --slot N               slot 1..99 (default: the lowest free)\n"
	"  --cpu N                CPU limit: a count (2) or a set (0-1)\n"
	"  --memory SIZE          memory limit (e.g. 4GiB, 50%)\n"
	"  --env K=V              environment variable, kept across restarts\n"
	"                         (repeatable; on a restart adds or replaces)\n"
	"  --unset-env K          stop keeping K (repeatable)\n"
	"  --ssh-key FILE         use this private key as the deploy key\n"
	"  --branch B             check out B (created when missing)\n"
	"  --from OTHER           inherit REPO, stack, egress and --cache of\n"
	"                         OTHER\n"
	"  --cache                share the npm, cargo, Go and pip download\n"
	"                         caches with other --cache sandboxes\n"
	"  --restrict-domains     filter egress by the domain allowlist\n"
	"  --domains-file F       allowlist for --restrict-domains\n"
	"  --allow-cidr CIDR      let this sandbox reach a private range\n"
	"  -q, --quiet            print only errors\n"
	"  -h, --help             show this help\n"
	"      --version          show the version\n"
	"\n"
	"On restart only --cpu, --memory, --env and --unset-env apply;\n"
	"~/.sandbox/env is read again at every start.\n"
	"Exit status: 0 ok, 1 failure, 2 usage error.\n";

enum { OPT_STACK = 0x100, OPT_SLOT, OPT_CPU, OPT_MEMORY, OPT_ENV,
       OPT_SSHKEY, OPT_BRANCH, OPT_FROM, OPT_RESTRICT, OPT_DOMAINS,
       OPT_CIDR, OPT_UNSETENV, OPT_CACHE };

static void
summary(const struct sb_start_opts *o, const struct sb_start_result *r)
{
	const char *b = sb_cli_paint(stdout, "bold"),
		   *z = sb_cli_paint(stdout, "reset");
	int ssh = SB_SSH_BASE + r->slot;

	/* "ready" and "restarted" are the scripts' words, which users'
	 * wrappers grep for. */
	if (r->already_running)
		printf("%s%s%s: ready (already running, slot %d)\n", b,
		       o->name, z, r->slot);
	else
		printf("%s%s%s: %s (%sslot %d, stack %s, egress %s)\n", b,
		       o->name, z, r->created ? "ready" : "restarted",
		       r->created ? "created, " : "", r->slot,
		       r->stack ? r->stack : "base",
		       r->egress ? r->egress : "open");
	if (r->repo)
		printf("  repo     %s%s%s\n", r->repo, r->branch ? " @" : "",
		       r->branch ? r->branch : "");
	printf("  ssh      ssh -p %d " SB_USER "@localhost\n", ssh);
	printf("  VS Code  sandbox %s --ssh-config >> ~/.ssh/config, then\n"
	       "           code --remote ssh-remote+sandbox-%s " SB_WORKSPACE
	       "\n",
	       o->name, o->name);
	printf("  app      http://localhost:%d  (port %d inside)\n",
	       SB_APP_BASE + r->slot, SB_APP_PORT);
	printf("  alt      http://localhost:%d  (port %d inside)\n",
	       SB_ALT_BASE + r->slot, SB_ALT_PORT);
	printf("  shell    sandbox %s\n", o->name);
	printf("  Claude   sandbox %s --claude\n", o->name);
	if (r->warning)
		sb_cli_warn("%s", r->warning);
	if (!r->identity && !r->already_running)
		sb_cli_warn("no ~/.ssh/id_ed25519.pub, id_ecdsa.pub or "
			    "id_rsa.pub: ssh will not let you in until you "
			    "make one (ssh-keygen -t ed25519) and run "
			    "sandbox-start %s again", o->name);
}

/* Creates or restarts the sandbox, with Ctrl-C armed, and says how to
 * reach it. */
static int
start(const struct sb_start_opts *o)
{
	struct sb_start_result res;
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int ret;

	sb_progress_quiet(o->quiet);
	if (!(c = sb_incus_open(NULL, &err)))
		return sb_cli_exit(err);
	/* Ctrl-C stops at the next step and undoes what was made. */
	sb_signals_catch();
	sb_signals_arm(1);
	ret = sb_start(c, o, &res, &err);
	if (ret == 0) {
		if (!o->quiet)
			summary(o, &res);
		sb_start_result_release(&res);
	} else if (err) {
		sb_error_prefix(&err, "starting '%s'", o->name);
	}
	return sb_cli_result(ret, err);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "slot", required_argument, NULL, OPT_SLOT },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "unset-env", required_argument, NULL, OPT_UNSETENV },
		{ "ssh-key", required_argument, NULL, OPT_SSHKEY },
		{ "branch", required_argument, NULL, OPT_BRANCH },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "restrict-domains", no_argument, NULL, OPT_RESTRICT },
		{ "domains-file", required_argument, NULL, OPT_DOMAINS },
		{ "allow-cidr", required_argument, NULL, OPT_CIDR },
		{ "cache", no_argument, NULL, OPT_CACHE },
		{ "quiet", no_argument, NULL, 'q' },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	/* Each repeatable option has at most argc values. */
	size_t most = (size_t)argc;
	_cleanup_free_ const char **env = calloc(most, sizeof(*env));
	_cleanup_free_ const char **cidr = calloc(most, sizeof(*cidr));
	_cleanup_free_ const char **unset = calloc(most, sizeof(*unset));
	struct sb_start_opts o = { .progress = sb_cli_progress(),
				   .env = env,
				   .allow_cidr = cidr,
				   .unset_env = unset };
	int opt;

	sb_cli_init(argv[0]);
	if (!env || !cidr || !unset)
		return SB_EXIT_FAIL;
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_STACK: o.stack = optarg; break;
		case OPT_SLOT: o.slot = optarg; break;
		case OPT_CPU: o.cpu = optarg; break;
		case OPT_MEMORY: o.memory = optarg; break;
		case OPT_ENV: o.env[o.nenv++] = optarg; break;
		case OPT_UNSETENV: o.unset_env[o.nunset_env++] = optarg; break;
		case OPT_SSHKEY: o.ssh_key_file = optarg; break;
		case OPT_BRANCH: o.branch = optarg; break;
		case OPT_FROM: o.from = optarg; break;
		case OPT_RESTRICT: o.restrict_domains = 1; break;
		case OPT_CACHE: o.cache = 1; break;
		case OPT_DOMAINS: o.domains_file = optarg; break;
		case OPT_CIDR: o.allow_cidr[o.nallow_cidr++] = optarg; break;
		case 'q': o.quiet = 1; break;
		default: return sb_cli_common(opt, usage);
		}
	}
	if (optind >= argc)
		return sb_cli_usage_error("missing NAME");
	o.name = argv[optind++];
	if (optind < argc)
		o.repo = argv[optind++];
	if (optind < argc)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind]);
	if (o.repo && o.from)
		return sb_cli_usage_error("REPO and --from do not combine: "
					  "--from takes OTHER's repository");
	return start(&o);
}
