/* sandbox-stop: stop a sandbox, or with --rm remove it and everything the
 * toolkit made for it (agent, firewall rules, GitHub deploy key). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "incus/incus.h"
#include "model/sandbox.h"
#include "ops/stop.h"

static const char usage[] =
	"Usage: sandbox-stop NAME... [OPTIONS]\n"
	"Stop sandboxes (clean shutdown, forced after a grace period).\n"
	"\n"
	"  --rm              also delete the sandbox, its agent, its firewall\n"
	"                    rules and its GitHub deploy key\n"
	"  --grace SECONDS   clean-shutdown time before forcing (default 10)\n"
	"  -q, --quiet       print only errors\n"
	"  -h, --help        show this help\n"
	"      --version     show the version\n"
	"\n"
	"Stopping a stopped sandbox is not an error.\n"
	"Exit status: 0 ok, 1 failure (any sandbox), 2 usage error.\n";

enum { OPT_RM = 0x100, OPT_GRACE };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rm", no_argument, NULL, OPT_RM },
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "quiet", no_argument, NULL, 'q' },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int opt, rm = 0, quiet = 0, status = SB_EXIT_OK;
	long grace = 10;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_RM: rm = 1; break;
		case OPT_GRACE:
			if (sb_parse_int(optarg, 0, 3600, "--grace", &grace,
					 &err) < 0)
				return sb_cli_exit(err) ? SB_EXIT_USAGE : 0;
			break;
		case 'q': quiet = 1; break;
		default: return sb_cli_common(opt, usage);
		}
	}
	if (optind >= argc)
		return sb_cli_usage_error("missing NAME");
	if (!(c = sb_incus_open(NULL, &err)))
		return sb_cli_exit(err);
	/* Many names: report each failure and go on, then exit non-zero. */
	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *left = NULL;

		if (sb_stop(c, argv[i], rm, (int)grace, &left, &err) < 0) {
			sb_error_prefix(&err, "%s '%s'",
					rm ? "removing" : "stopping", argv[i]);
			status = sb_cli_result(-1, err);
			err = NULL;
			continue;
		}
		if (left)
			sb_cli_warn("%s", left);
		if (!quiet)
			/* The scripts' words, which users' wrappers grep. */
			printf("%s: %s\n", argv[i], rm ? "Deleted (instance, "
			       "snapshots, agent, rules, deploy key)" :
			       "Stopped");
	}
	return status;
}
