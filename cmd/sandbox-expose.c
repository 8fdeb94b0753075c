/* sandbox-expose: not implemented yet; later work fills it in. */
#include <stdio.h>

#include "cli.h"

static const char usage[] =
	"Usage: sandbox-expose [--help] [--version]\n"
	"Not implemented yet.\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		return sb_cli_common(opt, usage);
	fprintf(stderr, "%s: not implemented yet\n", sb_cli_prog());
	return SB_EXIT_NOTIMPL;
}
