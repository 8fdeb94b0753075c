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

#include <time.h>

#include "ops/cache.h"
#include "core/cleanup.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/format.h"
#include "sys/signals.h"
#include "net/egress.h"
#include "ops/golden.h"
#include "incus/incus.h"
#include "model/sandbox.h"
#include "ops/setup.h"
#include "ops/setup_run.h"

static const char usage[] =
	"Usage: sandbox-setup [OPTIONS]\n"
	"Prepare Incus, the network and the golden images for sandboxes.\n"
	"\n"
	"  --stack STACK|all     build golden-STACK (default: base only)\n"
	"  --rebuild STACK|all   delete and build golden-STACK again\n"
	"  --format F            with --list-stacks: table (default), json or csv\n"
	"  --json                the same as --format json\n"
	"  --list-stacks         list the stacks: built or not, release, age,\n"
	"                        parent, where the script is, tool versions\n"
	"  --clear-cache [KIND]  empty the shared caches (npm, cargo, go, pip;\n"
	"                        default all)\n"
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
       OPT_POOLSIZE, OPT_RELEASE, OPT_CLEARCACHE };

/* The tools a stack's script reported, as a json array of lines. */
static json_object *
versions_json(const char *p)
{
	json_object *a = json_object_new_array();

	while (p && *p) {
		size_t l = strcspn(p, "\n");

		if (l)
			json_object_array_add(a, json_object_new_string_len(
				p, (int)l));
		p += l + (p[l] == '\n');
	}
	return a;
}

static json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* One stack as a JSON object; r is what describing its image gave. */
static json_object *
stack_json(const struct sb_stack *st, int r, const struct sb_golden_info *g,
	   const char *state, long long now)
{
	json_object *o = json_object_new_object();
	json_object *age = NULL;
	const char *from = sb_stack_origin_name(st->origin);

	if (r == 0 && g->created >= 0)
		age = json_object_new_int64(now - g->created);
	json_object_object_add(o, "stack", json_object_new_string(st->name));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "release",
			       str_or_null(r == 0 ? g->release : NULL));
	json_object_object_add(o, "age_seconds", age);
	json_object_object_add(o, "parent", str_or_null(st->parent));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "path", json_object_new_string(st->path));
	json_object_object_add(o, "overrides", str_or_null(st->overrides));
	json_object_object_add(o, "versions",
			       versions_json(r == 0 ? g->versions : NULL));
	return o;
}

/* One stack as a table row, then the tools its script reported, one
 * line each. */
static void
print_stack(const struct sb_stack *st, const char *state, const char *rel,
	    const char *age, const char *versions)
{
	printf("%-12s %-10s %-9s %-5s %-8s %s %s%s%s\n", st->name, state, rel,
	       age, st->parent ? st->parent : "-",
	       sb_stack_origin_name(st->origin), st->path,
	       st->overrides ? ", overrides " : "",
	       st->overrides ? st->overrides : "");
	for (const char *p = versions; p && *p;) {
		size_t l = strcspn(p, "\n");

		printf("    %.*s\n", (int)l, p);
		p += l + (p[l] == '\n');
	}
}

static int
list_stacks(enum sb_format fmt)
{
	_cleanup_error_ struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = sb_incus_open(NULL, &err);
	size_t n;
	struct sb_stack *v = sb_stack_list(&n, &err);
	long long now = (long long)time(NULL);
	_cleanup_json_ json_object *arr = json_object_new_array();

	if (!v)
		return sb_cli_exit(TAKE_PTR(err));
	if (fmt == SB_FMT_TABLE)
		printf("%-12s %-10s %-9s %-5s %-8s %s\n", "STACK", "STATE",
		       "RELEASE", "AGE", "PARENT", "FROM");
	else if (fmt == SB_FMT_CSV)
		sb_csv_row(stdout, 7, (const char *const[]){
			"stack", "state", "release", "age", "parent", "from",
			"path" });
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct sb_error *e = NULL;
		struct sb_golden_info g;
		char age[16] = "-";
		int r = c ? sb_golden_describe(c, &v[i], &g, &e) : -1;
		const char *state = r < 0 ? "unknown" : g.ready ? "ready" :
				    "not built";
		const char *rel = r == 0 && g.release ? g.release : "-";

		if (r == 0 && g.created >= 0)
			sb_format_age(age, sizeof(age), now - g.created);
		if (fmt == SB_FMT_JSON)
			json_object_array_add(arr, stack_json(&v[i], r, &g,
							      state, now));
		else if (fmt == SB_FMT_CSV)
			sb_csv_row(stdout, 7,
				   (const char *const[]){
					   v[i].name, state, rel, age,
					   v[i].parent ? v[i].parent : "",
					   sb_stack_origin_name(v[i].origin),
					   v[i].path });
		else
			print_stack(&v[i], state, rel, age,
				    r == 0 ? g.versions : NULL);
		if (r == 0)
			sb_golden_info_release(&g);
	}
	if (fmt == SB_FMT_JSON)
		puts(json_object_to_json_string_ext(
			arr, JSON_C_TO_STRING_PRETTY |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
	sb_stack_list_free(v, n);
	return SB_EXIT_OK;
}

static int
clear_cache(const char *kind)
{
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int cleared = 0;

	if (geteuid() != 0) {
		sb_error_set(&err, SB_E_PERM,
			     "--clear-cache changes "
			     "Incus volumes, which needs root: run "
			     "sudo sandbox-setup --clear-cache");
		return sb_cli_exit(err);
	}
	if (sb_cache_kind_check(kind, &err) < 0)
		return sb_cli_result(-1, err);
	if (!(c = sb_incus_open(NULL, &err)) ||
	    sb_cache_clear(c, kind, &cleared, &err) < 0)
		return sb_cli_result(-1, err);
	printf("shared caches: %d emptied\n", cleared);
	return SB_EXIT_OK;
}

/* The host and the images: as root, with Ctrl-C armed. */
static int
setup(struct sb_setup_run_opts *o, int quiet)
{
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int rc;

	if (sb_setup_run_check(o, &err) < 0)
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
	sb_signals_catch();
	sb_signals_arm(1);
	rc = sb_setup_run(c, o, &err);
	return sb_cli_result(rc, err);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "rebuild", required_argument, NULL, OPT_REBUILD },
		{ "list-stacks", no_argument, NULL, OPT_LIST },
		{ "clear-cache", optional_argument, NULL, OPT_CLEARCACHE },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "pool-size", required_argument, NULL, OPT_POOLSIZE },
		{ "quiet", no_argument, NULL, 'q' },
		SB_FORMAT_OPTIONS,
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sb_setup_run_opts o = { .golden.progress = sb_cli_progress() };
	const char *stack = NULL, *rebuild = NULL;
	const char *kind = NULL;
	int opt, leave, list = 0, quiet = 0, clear = 0, fmt_given = 0;
	enum sb_format fmt = SB_FMT_TABLE;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_STACK: stack = optarg; break;
		case OPT_REBUILD: rebuild = optarg; break;
		case OPT_LIST: list = 1; break;
		case OPT_CLEARCACHE:
			clear = 1;
			/* "--clear-cache npm" as well as "--clear-cache=npm". */
			kind = optarg ? optarg : optind < argc &&
			       argv[optind][0] != '-' ? argv[optind++] : NULL;
			break;
		case OPT_BASE: o.golden.base = optarg; break;
		case OPT_RELEASE: o.golden.release = optarg; break;
		case OPT_MIRROR: o.golden.mirror = optarg; break;
		case OPT_POOLSIZE: o.setup.pool_size = optarg; break;
		case 'q': quiet = 1; break;
		default:
			leave = sb_format_option(opt, optarg, &fmt, &fmt_given,
						 usage);
			if (leave != SB_CLI_GO_ON)
				return leave;
			break;
		}
	}
	if (optind < argc)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind]);
	if (stack && rebuild)
		return sb_cli_usage_error("--stack and --rebuild do not combine:"
					  " give one");
	if (fmt_given && !list)
		return sb_cli_usage_error("--format and --json go with "
					  "--list-stacks");
	if (list)
		return list_stacks(fmt);
	if (clear)
		return clear_cache(kind);
	o.stack = rebuild ? rebuild : stack;
	o.rebuild = !!rebuild;
	return setup(&o, quiet);
}
