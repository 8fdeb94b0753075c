/* sandbox-list: every sandbox with its state, ports and health, from one
 * REST call plus concurrent checks of the running ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "cli/cli.h"
#include "incus/incus.h"
#include "cli/format.h"
#include "cli/table.h"
#include "ops/list.h"
#include "ops/names.h"

static const char usage[] =
	"Usage: sandbox-list [OPTIONS]\n"
	"List sandboxes.\n"
	"\n"
	"  --format F    table (default), json or csv\n"
	"  --json        the same as --format json (stable field names)\n"
	"  --no-health   skip the DOCKER, AGENT, CLAUDE and branch checks\n"
	"  --names       print only the sandbox names, one a line (fast)\n"
	"  --stacks      print only the stack names, one a line (fast)\n"
	"  -h, --help    show this help\n"
	"      --version show the version\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage error.\n";

enum { OPT_NOHEALTH = 0x100, OPT_NAMES, OPT_STACKS };

static char *
port_cell(int p)
{
	char *s;

	if (!p)
		return strdup("-");
	if (asprintf(&s, "%d", p) < 0)
		return NULL;
	return s;
}

static char *
extra_cell(const struct sb_sandbox *s)
{
	struct sb_buf b = { 0 };

	for (size_t i = 0; i < s->nports; i++) {
		const struct sb_port *p = &s->ports[i];
		const char *proto = p->proto == SB_UDP ? "/udp" : "";

		if (p->host_port == p->guest_port)
			sb_buf_appendf(&b, "%s%d%s", i ? "," : "", p->host_port,
				       proto);
		else
			sb_buf_appendf(&b, "%s%d->%d%s", i ? "," : "",
				       p->host_port, p->guest_port, proto);
	}
	return b.data ? sb_buf_take(&b) : strdup("-");
}

static char *
repo_cell(const struct sb_list_row *r)
{
	const char *br = r->branch ? r->branch : r->s->branch;
	const char *slug = r->slug;
	_cleanup_free_ char *fromcfg = NULL;
	char *s;

	/* The workspace could not be read safely (lib/ops/list.c). */
	if (slug && strcmp(slug, "?") == 0)
		return strdup("?");
	/* owner/repo from the workspace's origin, else from the metadata. */
	if (!slug && r->s->repo) {
		const char *p = strstr(r->s->repo, "github.com");
		size_t n;

		p = p ? p + strlen("github.com") + 1 : r->s->repo;
		n = strlen(p);
		if (n > 4 && strcmp(p + n - 4, ".git") == 0)
			n -= 4;
		fromcfg = strndup(p, n);
		slug = fromcfg;
	}
	if (!slug)
		return strdup("-");
	if (asprintf(&s, "%s%s%s", slug, br ? "@" : "", br ? br : "") < 0)
		return NULL;
	return s;
}

/* Incus's word in Incus's case, as incus list prints it ("RUNNING"). */
static char *
state_cell(const char *status)
{
	char *s = strdup(status ? status : "UNKNOWN");

	for (char *p = s; p && *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return s;
}

static void
print_table(const struct sb_list_row *rows, size_t n, enum sb_format fmt)
{
	static const char *const hdr[] = { "NAME", "STATE", "SLOT", "SSH",
		"APP", "ALT", "EXTRA", "EGRESS", "DOCKER", "AGENT", "CLAUDE",
		"REPO" };
	struct sb_table *t = fmt == SB_FMT_TABLE ? sb_table_new(12, hdr) : NULL;

	if (fmt == SB_FMT_CSV)
		sb_csv_row(stdout, 12, hdr);

	for (size_t i = 0; i < n; i++) {
		const struct sb_list_row *r = &rows[i];
		const struct sb_sandbox *s = r->s;
		_cleanup_free_ char *slot = port_cell(s->slot);
		_cleanup_free_ char *ssh = port_cell(s->ssh_port);
		_cleanup_free_ char *app = port_cell(s->app_port);
		_cleanup_free_ char *alt = port_cell(s->alt_port);
		_cleanup_free_ char *extra = extra_cell(s);
		_cleanup_free_ char *repo = repo_cell(r);
		_cleanup_free_ char *state = state_cell(s->status);
		int up = s->running;
		const char *cells[] = {
			s->name, state, slot, ssh, app, alt, extra,
			r->egress, up ? r->docker : NULL, up ? r->agent : NULL,
			up ? r->claude : NULL, repo,
		};

		if (t)
			sb_table_add(t, cells);
		else
			sb_csv_row(stdout, 12, cells);
	}
	if (t)
		sb_table_print(t, stdout);
	sb_table_free(t);
}

static int
print_names(struct sb_incus *c, int stacks, struct sb_error **err)
{
	size_t n;
	char **v = sb_names_list(c, stacks, &n, err);

	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++)
		puts(v[i]);
	sb_names_free(v, n);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SB_FORMAT_OPTIONS,
		{ "no-health", no_argument, NULL, OPT_NOHEALTH },
		{ "names", no_argument, NULL, OPT_NAMES },
		{ "stacks", no_argument, NULL, OPT_STACKS },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sb_error *err = NULL;
	struct sb_list_row *rows = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	size_t n = 0;
	enum sb_format fmt = SB_FMT_TABLE;
	int opt, leave, health = 1, names = 0, stacks = 0, rc;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_NOHEALTH: health = 0; break;
		case OPT_NAMES: names = 1; break;
		case OPT_STACKS: stacks = 1; break;
		default:
			leave = sb_format_option(opt, optarg, &fmt, NULL,
						 usage);
			if (leave != SB_CLI_GO_ON)
				return leave;
			break;
		}
	}
	if (optind < argc)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind]);
	if (names + stacks > 1)
		return sb_cli_usage_error("--names and --stacks do not combine");
	if (!(c = sb_incus_open(NULL, &err)))
		return sb_cli_exit(err);
	if (names || stacks) {
		rc = print_names(c, stacks, &err);
	} else if ((rc = sb_list(c, health, &rows, &n, &err)) == 0) {
		if (fmt == SB_FMT_JSON) {
			_cleanup_json_ json_object *a = sb_list_json(rows, n);

			puts(json_object_to_json_string_ext(
				a, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE));
		} else if (n == 0 && fmt == SB_FMT_TABLE) {
			printf("no sandboxes: create one with sandbox-start NAME\n");
		} else {
			print_table(rows, n, fmt);
		}
		sb_list_free(rows, n);
	}
	return sb_cli_result(rc, err);
}
