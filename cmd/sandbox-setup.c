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
#include "cli/format.h"
#include "sys/signals.h"
#include "net/egress.h"
#include "ops/golden.h"
#include "incus/incus.h"
#include "model/sandbox.h"
#include "ops/setup.h"

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

static int
list_stacks(enum sb_format fmt)
{
	_cleanup_error_ struct sb_error *err = NULL;
	struct sb_incus *c = sb_incus_open(NULL, &err);
	size_t n;
	struct sb_stack *v = sb_stack_list(&n, &err);
	long long now = (long long)time(NULL);
	json_object *arr = json_object_new_array();

	if (!v) {
		sb_incus_free(c);
		json_object_put(arr);
		return sb_cli_exit(TAKE_PTR(err));
	}
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
		const char *from = sb_stack_origin_name(v[i].origin);

		if (r == 0 && g.created >= 0)
			sb_format_age(age, sizeof(age), now - g.created);
		if (fmt == SB_FMT_JSON) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "stack",
					       json_object_new_string(v[i].name));
			json_object_object_add(o, "state",
					       json_object_new_string(state));
			json_object_object_add(o, "release", r == 0 && g.release ?
				json_object_new_string(g.release) : NULL);
			json_object_object_add(o, "age_seconds",
				r == 0 && g.created >= 0 ?
				json_object_new_int64(now - g.created) : NULL);
			json_object_object_add(o, "parent", v[i].parent ?
				json_object_new_string(v[i].parent) : NULL);
			json_object_object_add(o, "from",
					       json_object_new_string(from));
			json_object_object_add(o, "path",
					       json_object_new_string(v[i].path));
			json_object_object_add(o, "overrides", v[i].overrides ?
				json_object_new_string(v[i].overrides) : NULL);
			json_object_object_add(o, "versions", versions_json(
				r == 0 ? g.versions : NULL));
			json_object_array_add(arr, o);
		} else if (fmt == SB_FMT_CSV) {
			sb_csv_row(stdout, 7, (const char *const[]){
				v[i].name, state, rel, age,
				v[i].parent ? v[i].parent : "", from,
				v[i].path });
		} else {
			printf("%-12s %-10s %-9s %-5s %-8s %s %s%s%s\n",
			       v[i].name, state, rel, age,
			       v[i].parent ? v[i].parent : "-", from,
			       v[i].path, v[i].overrides ? ", overrides " : "",
			       v[i].overrides ? v[i].overrides : "");
			/* The tools its script reported, one line each. */
			for (const char *p = r == 0 ? g.versions : NULL;
			     p && *p;) {
				size_t l = strcspn(p, "\n");

				printf("    %.*s\n", (int)l, p);
				p += l + (p[l] == '\n');
			}
		}
		if (r == 0)
			sb_golden_info_release(&g);
	}
	if (fmt == SB_FMT_JSON)
		puts(json_object_to_json_string_ext(arr,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	sb_stack_list_free(v, n);
	sb_incus_free(c);
	return SB_EXIT_OK;
}

static int
build(struct sb_incus *c, const char *what, int rebuild,
      const struct sb_golden_opts *g, int *changed, struct sb_error **err)
{
	size_t n = 0;
	char **v;
	int ret, built = 0;

	if (strcmp(what, "all") != 0) {
		if (sb_golden_ensure(c, what, g, rebuild, &built, err) < 0)
			return -1;
		if (!built)
			sb_progress_note("%s%s/ready: found",
					 sb_golden_prefix(), what);
		*changed |= built;
		return 0;
	}
	if (!(v = sb_golden_stacks(&n, err)))
		return -1;
	/* Stacks spend their time waiting on the archive and the registry,
	 * so several at once pay off even on two cores. */
	ret = sb_golden_ensure_many(c, (const char *const *)v, n, g, rebuild,
				    4, &built, err);
	*changed |= built;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return ret;
}

static int
clear_cache(const char *kind)
{
	struct sb_error *err = NULL;
	struct sb_incus *c;
	int cleared = 0;

	if (sb_cache_kind_check(kind, &err) < 0)
		return sb_cli_result(-1, err);
	if (!(c = sb_incus_open(NULL, &err)) ||
	    sb_cache_clear(c, kind, &cleared, &err) < 0) {
		sb_incus_free(c);
		return sb_cli_result(-1, err);
	}
	sb_incus_free(c);
	printf("shared caches: %d emptied\n", cleared);
	return SB_EXIT_OK;
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
	struct sb_golden_opts g = { .progress = sb_cli_progress() };
	struct sb_setup_opts so = { 0 };
	struct sb_setup_report rep = { 0 };
	struct sb_error *err = NULL;
	const char *stack = NULL, *rebuild = NULL;
	struct sb_incus *c;
	const char *kind = NULL;
	int opt, list = 0, quiet = 0, changed = 0, clear = 0, rc = -1;
	int fmt_given = 0;
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
		case OPT_BASE: g.base = optarg; break;
		case OPT_RELEASE: g.release = optarg; break;
		case OPT_MIRROR: g.mirror = optarg; break;
		case OPT_POOLSIZE: so.pool_size = optarg; break;
		case 'q': quiet = 1; break;
		case SB_OPT_FORMAT:
		case SB_OPT_JSON:
			if (sb_format_option(opt, optarg, &fmt, &fmt_given,
					     &err) < 0)
				return sb_cli_exit(err);
			break;
		default: return sb_cli_common(opt, usage);
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
	if (clear) {
		if (geteuid() != 0) {
			sb_error_set(&err, SB_E_PERM, "--clear-cache changes "
				     "Incus volumes, which needs root: run "
				     "sudo sandbox-setup --clear-cache");
			return sb_cli_exit(err);
		}
		return clear_cache(kind);
	}
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
	sb_signals_catch();
	sb_signals_arm(1);
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
	{
		char *note = sb_golden_release_note(c, &g);

		if (note)
			sb_progress_note("%s", note);
		free(note);
	}
	rc = 0;
out:
	if (err)
		for (int i = 0; i < rep.n; i++)
			sb_progress_note("%s", rep.lines[i]);
	sb_setup_report_release(&rep);
	sb_incus_free(c);
	return sb_cli_result(rc, err);
}
