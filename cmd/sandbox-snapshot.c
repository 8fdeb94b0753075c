/* sandbox-snapshot: checkpoints to roll an agent's work back.  Taking one
 * is instant and does not stop the sandbox; restoring keeps its slot,
 * ports, deploy key and agent, and only the files go back in time. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/table.h"
#include "incus/incus.h"
#include "ops/snapshot.h"

static const char usage[] =
	"Usage: sandbox-snapshot NAME [SNAP] [OPTIONS]\n"
	"       sandbox-snapshot NAME --list [--format table|json|csv]\n"
	"       sandbox-snapshot NAME --restore SNAP\n"
	"       sandbox-snapshot NAME --delete SNAP\n"
	"Take a snapshot of the sandbox NAME (default name snap-DATE-TIME,\n"
	"in UTC), list its snapshots, roll it back to one, or delete one.\n"
	"\n"
	"  --list            list the snapshots with their age and size (each\n"
	"                    one's own, measured when Incus has none)\n"
	"  --no-size         with --list: skip measuring sizes (fast)\n"
	"  --format F        table (default), json or csv, with --list\n"
	"  --json            the same as --format json\n"
	"  --restore SNAP    roll the sandbox back to SNAP (a running one is\n"
	"                    stopped and started again)\n"
	"  --delete SNAP     delete SNAP\n"
	"  -q, --quiet       print only errors\n"
	"  -h, --help        show this help\n"
	"      --version     show the version\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage error.\n";

enum { OPT_LIST = 0x100, OPT_RESTORE, OPT_DELETE, OPT_NOSIZE };

static int
list(struct sb_incus *c, const char *name, enum sb_format fmt, int sizes,
     struct sb_error **err)
{
	static const char *const hdr[] = { "NAME", "CREATED", "AGE", "SIZE" };
	struct sb_snap *v;
	size_t n;
	time_t now = time(NULL);
	struct sb_table *t;
	_cleanup_json_ json_object *a = NULL;

	if (sb_snapshot_list(c, name, sizes, &v, &n, err) < 0)
		return -1;
	a = json_object_new_array();
	t = sb_table_new(4, hdr);
	if (fmt == SB_FMT_CSV)
		sb_csv_row(stdout, 4, hdr);
	for (size_t i = 0; i < n; i++) {
		char created[32] = "-", age[32], size[32];
		json_object *o = json_object_new_object();
		struct tm tm;

		if (v[i].created && gmtime_r(&v[i].created, &tm))
			strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ",
				 &tm);
		sb_format_age(age, sizeof(age), v[i].created ?
			      (long long)(now - v[i].created) : -1);
		sb_format_size(size, sizeof(size), v[i].size);
		{
			const char *cells[] = { v[i].name, created, age, size };

			if (fmt == SB_FMT_CSV)
				sb_csv_row(stdout, 4, cells);
			sb_table_add(t, cells);
		}
		json_object_object_add(o, "name",
				       json_object_new_string(v[i].name));
		json_object_object_add(o, "created_at", v[i].created ?
				       json_object_new_string(created) : NULL);
		json_object_object_add(o, "age_seconds", v[i].created ?
			json_object_new_int64((long long)(now - v[i].created)) :
			NULL);
		json_object_object_add(o, "size", v[i].size >= 0 ?
				       json_object_new_int64(v[i].size) : NULL);
		json_object_array_add(a, o);
	}
	if (fmt == SB_FMT_JSON)
		puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (fmt == SB_FMT_TABLE && n == 0)
		printf("%s has no snapshots: take one with "
		       "sandbox-snapshot %s\n", name, name);
	else if (fmt == SB_FMT_TABLE)
		sb_table_print(t, stdout);
	sb_table_free(t);
	sb_snapshot_list_free(v, n);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, OPT_LIST },
		{ "restore", required_argument, NULL, OPT_RESTORE },
		{ "delete", required_argument, NULL, OPT_DELETE },
		{ "no-size", no_argument, NULL, OPT_NOSIZE },
		SB_FORMAT_OPTIONS,
		{ "quiet", no_argument, NULL, 'q' },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *name, *snap = NULL, *restore = NULL, *del = NULL;
	enum sb_format fmt = SB_FMT_TABLE;
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int opt, leave, do_list = 0, quiet = 0, fmt_given = 0, rc, sizes = 1;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_LIST: do_list = 1; break;
		case OPT_RESTORE: restore = optarg; break;
		case OPT_DELETE: del = optarg; break;
		case OPT_NOSIZE: sizes = 0; break;
		case 'q': quiet = 1; break;
		default:
			leave = sb_format_option(opt, optarg, &fmt, &fmt_given,
						 usage);
			if (leave != SB_CLI_GO_ON)
				return leave;
			break;
		}
	}
	if (optind >= argc)
		return sb_cli_usage_error("missing NAME");
	name = argv[optind++];
	if (optind < argc)
		snap = argv[optind++];
	if (optind < argc)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind]);
	if (do_list + !!restore + !!del > 1)
		return sb_cli_usage_error("--list, --restore and --delete do "
					  "not combine: give one");
	if (snap && (do_list || restore || del))
		return sb_cli_usage_error("SNAP is for taking a snapshot: "
					  "--restore and --delete take their "
					  "own");
	if ((fmt_given || !sizes) && !do_list)
		return sb_cli_usage_error("--format, --json and --no-size go "
					  "with --list");
	if (!(c = sb_incus_open(NULL, &err)))
		return sb_cli_exit(err);
	if (do_list) {
		rc = list(c, name, fmt, sizes, &err);
	} else if (restore) {
		_cleanup_free_ char *warning = NULL;

		rc = sb_snapshot_restore(c, name, restore, &warning, &err);
		if (rc == 0 && !quiet)
			printf("%s: restored to snapshot %s\n", name, restore);
		if (warning)
			sb_cli_warn("%s", warning);
	} else if (del) {
		rc = sb_snapshot_delete(c, name, del, &err);
		if (rc == 0 && !quiet)
			printf("%s: snapshot %s deleted\n", name, del);
	} else {
		_cleanup_free_ char *made = NULL;

		rc = sb_snapshot_take(c, name, snap, &made, &err);
		if (rc == 0 && !quiet)
			printf("%s: snapshot %s taken; roll back with "
			       "'sandbox-snapshot %s --restore %s'\n",
			       name, made, name, made);
	}
	return sb_cli_result(rc, err);
}
