/* sandbox-domains: show or change the domain allowlist of a restricted
 * sandbox while it runs.  Changes go to the sandbox's own copy of the list
 * and take effect at once, without a restart. */
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "core/cleanup.h"
#include "cli/cli.h"
#include "net/domains.h"
#include "cli/format.h"
#include "incus/incus.h"

static const char usage[] =
	"Usage: sandbox-domains NAME [--list] [--format table|json|csv]\n"
	"       sandbox-domains NAME [--add DOMAIN]... [--remove DOMAIN]...\n"
	"Show or change the allowlist of a sandbox started with\n"
	"--restrict-domains.  DOMAIN is example.com (that name only) or\n"
	".example.com (the name and every subdomain).\n"
	"\n"
	"  --list            print the list and where it comes from (default)\n"
	"  --format F        table (default), json or csv, with --list\n"
	"  --json            the same as --format json\n"
	"  --add DOMAIN      allow DOMAIN (repeatable)\n"
	"  --remove DOMAIN   stop allowing DOMAIN (repeatable)\n"
	"  -q, --quiet       print only errors\n"
	"  -h, --help        show this help\n"
	"      --version     show the version\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage error.\n";

enum { OPT_LIST = 0x100, OPT_ADD, OPT_REMOVE };

static void
print_list(const char *name, const struct sb_allowlist *al,
	   const char *source, int restricted, enum sb_format fmt)
{
	if (fmt == SB_FMT_JSON) {
		json_object *o = json_object_new_object();
		json_object *d = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "egress", json_object_new_string(
			restricted ? "filtered" : "open"));
		json_object_object_add(o, "source",
				       json_object_new_string(source));
		for (size_t i = 0; i < al->n; i++)
			json_object_array_add(d, json_object_new_string(
				al->domains[i]));
		json_object_object_add(o, "domains", d);
		puts(json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return;
	}
	if (fmt == SB_FMT_CSV) {
		for (size_t i = 0; i < al->n; i++)
			sb_csv_row(stdout, 1, (const char *const[]){
				al->domains[i] });
		return;
	}
	printf("# %s: egress %s; list from %s\n", name,
	       restricted ? "filtered" : "open (the list is not used)",
	       source);
	for (size_t i = 0; i < al->n; i++)
		printf("%s\n", al->domains[i]);
}

static int
show(struct sb_incus *c, const char *name, enum sb_format fmt,
     struct sb_error **err)
{
	struct sb_allowlist al = { 0 };
	_cleanup_free_ char *source = NULL;
	int restricted = 0, rc;

	rc = sb_domains_get(c, name, &al, &source, &restricted, err);
	if (rc == 0)
		print_list(name, &al, source, restricted, fmt);
	sb_allowlist_release(&al);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, OPT_LIST },
		{ "add", required_argument, NULL, OPT_ADD },
		{ "remove", required_argument, NULL, OPT_REMOVE },
		{ "quiet", no_argument, NULL, 'q' },
		SB_FORMAT_OPTIONS,
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ const char **add = calloc((size_t)argc, sizeof(*add));
	_cleanup_free_ const char **rm = calloc((size_t)argc, sizeof(*rm));
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	size_t nadd = 0, nrm = 0;
	int opt, leave, list = 0, quiet = 0, rc = -1, fmt_given = 0;
	enum sb_format fmt = SB_FMT_TABLE;
	const char *name;

	sb_cli_init(argv[0]);
	if (!add || !rm)
		return SB_EXIT_FAIL;
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_LIST: list = 1; break;
		case OPT_ADD: add[nadd++] = optarg; break;
		case OPT_REMOVE: rm[nrm++] = optarg; break;
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
	if (argc - optind > 1)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind + 1]);
	if ((list || fmt_given) && (nadd || nrm))
		return sb_cli_usage_error("--list%s does not combine with "
					  "--add or --remove",
					  fmt_given ? " (--format)" : "");
	name = argv[optind];
	c = sb_incus_open(NULL, &err);
	if (c && (nadd || nrm)) {
		rc = sb_domains_edit(c, name, add, nadd, rm, nrm, &err);
		if (rc == 0 && !quiet)
			printf("%s: allowlist updated (%zu added, %zu removed); "
			       "the filter follows at once\n", name, nadd, nrm);
	} else if (c) {
		rc = show(c, name, fmt, &err);
	}
	if (err)
		sb_error_prefix(&err, "domains of '%s'", name);
	return sb_cli_result(rc, err);
}
