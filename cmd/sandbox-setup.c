/* sandbox-setup: prepares this host once, and again whenever asked.
 *
 * Starts Incus when nothing answers, then makes what the toolkit owns (a
 * btrfs pool when there is none, bridge sandboxbr0, profile sandbox, the
 * egress firewall and Squid) and the golden images.  Everything found is
 * reused and reported; a second run changes nothing and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "host.h"
#include "egress.h"
#include "golden.h"
#include "incus.h"
#include "sandbox.h"
#include "setup.h"

static const char usage[] =
	"Usage: sandbox-setup [OPTIONS]\n"
	"Prepare Incus, the network and the golden images for sandboxes.\n"
	"\n"
	"  --stack STACK|all     build golden-STACK (default: base only)\n"
	"  --rebuild STACK|all   delete and build golden-STACK again\n"
	"  --list-stacks         list the stacks and whether each is built\n"
	"  --release CODENAME    Debian release of a new golden-base\n"
	"                        (default: " SB_DEFAULT_RELEASE ")\n"
	"  --base SOURCE         base image: debootstrap (default) or\n"
	"                        images:ALIAS from an image server\n"
	"  --mirror URL          apt mirror for debootstrap (default: the\n"
	"                        host's configured mirror)\n"
	"  --pool-size SIZE      size of a new loop-backed btrfs pool (30GiB)\n"
	"  -q, --quiet           print only errors\n"
	"  -h, --help            show this help\n"
	"      --version         show the version\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage error.\n";

enum { OPT_STACK = 0x100, OPT_REBUILD, OPT_LIST, OPT_BASE, OPT_MIRROR,
       OPT_POOLSIZE, OPT_RELEASE };

static int
list_stacks(void)
{
	_cleanup_error_ struct sb_error *err = NULL;
	struct sb_incus *c = sb_incus_open(NULL, &err);
	size_t n;
	char **v = sb_golden_stacks(&n, &err);

	if (!v) {
		sb_incus_free(c);
		return sb_cli_exit(TAKE_PTR(err));
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct sb_error *e = NULL;
		int r = c ? sb_golden_ready(c, v[i], &e) : -1;

		printf("%-12s %s\n", v[i], r == 1 ? "ready" :
		       r == 0 ? "not built" : "unknown (Incus unavailable)");
		free(v[i]);
	}
	free(v);
	sb_incus_free(c);
	return SB_EXIT_OK;
}

static int
build(struct sb_incus *c, const char *what, int rebuild,
      const struct sb_golden_opts *g, int *changed, struct sb_error **err)
{
	size_t n = 0;
	char **v;
	int ret = 0;

	if (strcmp(what, "all") != 0) {
		int built = 0;

		if (sb_golden_ensure(c, what, g, rebuild, &built, err) < 0)
			return -1;
		if (!built)
			sb_progress_note("golden-%s/ready: found", what);
		*changed |= built;
		return 0;
	}
	if (!(v = sb_golden_stacks(&n, err)))
		return -1;
	for (size_t i = 0; i < n && ret == 0; i++)
		/* With "all", base is built once, first (stacks sort it so). */
		ret = build(c, v[i], rebuild, g, changed, err);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return ret;
}

/* Every value is checked before anything changes: --base, --mirror and
 * --pool-size are only used when the image or the pool is missing, and a
 * bad one must not pass unnoticed until then. */
static int
check_args(const char *stack, struct sb_golden_opts *g, const char *pool_size,
	   struct sb_error **err)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB",
					     "KiB", "MiB", "GiB", "TiB" };
	const char *colon;
	size_t n;

	if (stack && strcmp(stack, "all") != 0 &&
	    (sb_stack_check(stack, err) < 0 ||
	     sb_golden_stack_known(stack, err) < 0))
		return -1;
	if (g->release && sb_golden_release_check(g->release, err) < 0)
		return -1;
	if (g->base && strcmp(g->base, "debootstrap") == 0)
		g->base = NULL;
	if (g->base && (!(colon = strchr(g->base, ':')) || colon == g->base ||
			!colon[1] ||
			strspn(g->base, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
				(size_t)(colon - g->base) ||
			strspn(colon + 1, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") !=
				strlen(colon + 1)))
		return sb_error_set(err, SB_E_INPUT, "invalid --base '%s': "
				    "debootstrap or REMOTE:ALIAS (e.g. "
				    "images:debian/12) is allowed", g->base);
	if (g->mirror) {
		const char *m = g->mirror, *host = NULL;
		int ok = 1;

		if (strncmp(m, "http://", 7) == 0)
			host = m + 7;
		else if (strncmp(m, "https://", 8) == 0)
			host = m + 8;
		else if (strncmp(m, "file:///", 8) == 0)
			host = "local";
		for (const char *p = m; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				ok = 0;
		if (!host || !*host || *host == '/' || !ok)
			return sb_error_set(err, SB_E_INPUT,
				"invalid --mirror '%s': an http://, https:// "
				"or file:/// URL is allowed", m);
	}
	if (pool_size) {
		n = strspn(pool_size, "0123456789");
		for (size_t i = 0; n && n < 16 && pool_size[0] != '0' &&
		     i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(pool_size + n, units[i]) == 0)
				return 0;
		return sb_error_set(err, SB_E_INPUT, "invalid --pool-size '%s': "
				    "a size like 30GiB is allowed", pool_size);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "rebuild", required_argument, NULL, OPT_REBUILD },
		{ "list-stacks", no_argument, NULL, OPT_LIST },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "pool-size", required_argument, NULL, OPT_POOLSIZE },
		{ "quiet", no_argument, NULL, 'q' },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sb_golden_opts g = { 0 };
	struct sb_setup_opts so = { 0 };
	struct sb_setup_report rep = { 0 };
	struct sb_error *err = NULL;
	const char *stack = NULL, *rebuild = NULL;
	struct sb_incus *c;
	int opt, list = 0, quiet = 0, changed = 0, rc = -1;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_STACK: stack = optarg; break;
		case OPT_REBUILD: rebuild = optarg; break;
		case OPT_LIST: list = 1; break;
		case OPT_BASE: g.base = optarg; break;
		case OPT_RELEASE: g.release = optarg; break;
		case OPT_MIRROR: g.mirror = optarg; break;
		case OPT_POOLSIZE: so.pool_size = optarg; break;
		case 'q': quiet = 1; break;
		default: return sb_cli_common(opt, usage);
		}
	}
	if (optind < argc)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind]);
	if (stack && rebuild)
		return sb_cli_usage_error("--stack and --rebuild do not combine:"
					  " give one");
	if (list)
		return list_stacks();
	if (check_args(rebuild ? rebuild : stack, &g, so.pool_size, &err) < 0)
		return sb_cli_result(-1, err);
	if (geteuid() != 0) {
		sb_error_set(&err, SB_E_PERM,
			     "sandbox-setup changes Incus, the firewall and "
			     "Squid, which needs root: run sudo sandbox-setup");
		return sb_cli_exit(err);
	}
	sb_progress_quiet(quiet);
	if (!(c = sb_incus_open(NULL, &err)))
		return sb_cli_exit(err);
	/* Ctrl-C stops at the next step and undoes what was made. */
	sb_host_catch_signals();
	sb_host_arm_interrupt(1);
	if (sb_setup_host_limits(&rep, &err) < 0 ||
	    sb_setup_daemon(c, &rep, &err) < 0 ||
	    sb_setup_incus(c, &so, &rep, &err) < 0)
		goto out;
	for (int i = 0; i < rep.n; i++)
		sb_progress_note("%s", rep.lines[i]);
	changed |= rep.changed;
	sb_setup_report_release(&rep);
	if (sb_egress_setup(&err) < 0)
		goto out;
	sb_progress_note("%s", sb_egress_summary());
	if (build(c, rebuild ? rebuild : stack ? stack : "base", !!rebuild, &g,
		  &changed, &err) < 0)
		goto out;
	if (!changed)
		sb_progress_note("nothing to do: everything was already set up");
	rc = 0;
out:
	if (err)
		for (int i = 0; i < rep.n; i++)
			sb_progress_note("%s", rep.lines[i]);
	sb_setup_report_release(&rep);
	sb_incus_free(c);
	return sb_cli_result(rc, err);
}
