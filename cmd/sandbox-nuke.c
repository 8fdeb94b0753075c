/* sandbox-nuke: destroy every sandbox and golden image, after a typed
 * confirmation.  Incus itself, the pool, bridge, profile and the cached
 * base image are kept, so sandbox-setup can rebuild quickly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "cli/cli.h"
#include "incus/incus.h"
#include "ops/nuke.h"

static const char usage[] =
	"Usage: sandbox-nuke [--yes]\n"
	"Destroy every agent-* and golden-* instance, with their agents,\n"
	"firewall rules and GitHub deploy keys, then the shared cache\n"
	"volumes (sandbox-start --cache).\n"
	"\n"
	"  -y, --yes       do not ask for confirmation\n"
	"  -h, --help      show this help\n"
	"      --version   show the version\n"
	"\n"
	"Without --yes it asks you to type 'yes'; with no terminal it refuses.\n"
	"Exit status: 0 ok, 1 failure (any instance), 2 usage error.\n";

/* Asks for a typed 'yes'; returns 1 when given. */
static int
confirmed(char **names, size_t n)
{
	char line[16] = "";

	printf("This destroys %zu instance%s:", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\nType 'yes' to go on: ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n") != 0) {
		fprintf(stderr, "%s: not confirmed; nothing changed\n",
			sb_cli_prog());
		return 0;
	}
	return 1;
}

/* Removes each instance, going on past a failure; returns the status. */
static int
remove_all(struct sb_incus *c, char **names, size_t n)
{
	int status = SB_EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *left = NULL;
		struct sb_error *err = NULL;

		if (sb_nuke_one(c, names[i], &left, &err) < 0) {
			sb_error_prefix(&err, "removing %s", names[i]);
			status = sb_cli_result(-1, err);
		} else {
			printf("%s: Deleted\n", names[i]);
		}
		if (left)
			sb_cli_warn("%s", left);
	}
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "yes", no_argument, NULL, 'y' },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	char **names = NULL;
	size_t n = 0;
	int opt, yes = 0, status = SB_EXIT_OK;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "yh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'y': yes = 1; break;
		default: return sb_cli_common(opt, usage);
		}
	}
	if (optind < argc)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind]);
	if (!yes && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "%s: refusing without a terminal: pass --yes\n",
			sb_cli_prog());
		return SB_EXIT_FAIL;
	}
	if (!(c = sb_incus_open(NULL, &err)) ||
	    sb_nuke_targets(c, &names, &n, &err) < 0)
		return sb_cli_result(-1, err);
	if (n == 0)
		printf("nothing to remove\n");
	else if (!yes && !confirmed(names, n))
		status = SB_EXIT_FAIL;
	else
		status = remove_all(c, names, n);
	/* Only once every sandbox is gone: volumes in use cannot go. */
	if (status == SB_EXIT_OK) {
		int removed = 0;

		if (sb_nuke_caches(c, &removed, &err) < 0)
			status = sb_cli_exit(TAKE_PTR(err));
		else if (removed)
			printf("shared caches: %d volume%s deleted\n", removed,
			       removed == 1 ? "" : "s");
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}
