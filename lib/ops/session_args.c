/* The argument rules of `sandbox`: getopt_long over the whole command
 * line, then the checks of which options combine, then the names. */
#include "ops/session_args.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "model/sandbox.h"

enum {
	OPT_CLAUDE = 0x2000,
	OPT_CMD,
	OPT_PARALLEL,
	OPT_SSH_CONFIG,
	OPT_JUMP,
	OPT_VERSION
};

/* One option from getopt_long: 0 go on, 1 stop here (--help, --version),
 * -1 with *err. */
static int
one_option(int opt, char **argv, struct sb_session_args *a, int *claude,
	   struct sb_error **err)
{
	long n;

	switch (opt) {
	case 'h': a->help = 1; return 1;
	case OPT_VERSION: a->version = 1; return 1;
	case OPT_CLAUDE: *claude = 1; return 0;
	case OPT_CMD:
		if (a->cmd)
			return sb_error_set(err, SB_E_USAGE,
					    "--cmd given twice");
		if (!*optarg)
			return sb_error_set(err, SB_E_USAGE,
					    "--cmd needs a command");
		a->cmd = optarg;
		return 0;
	case OPT_PARALLEL:
		if (sb_parse_int(optarg, 1, SB_PARALLEL_MAX, "--parallel", &n,
				 err) < 0) {
			if (err && *err)
				(*err)->code = SB_E_USAGE;
			return -1;
		}
		a->parallel = (int)n;
		return 0;
	case OPT_SSH_CONFIG: a->ssh_config = 1; return 0;
	case OPT_JUMP:
		if (!*optarg || *optarg == '-')
			return sb_error_set(err, SB_E_USAGE,
					    "--jump needs a host, not '%s'",
					    optarg);
		a->jump = optarg;
		return 0;
	case ':':
		return sb_error_set(err, SB_E_USAGE,
				    "option '%s' needs a value",
				    argv[optind - 1]);
	default:
		return sb_error_set(err, SB_E_USAGE, "unknown option '%s'",
				    argv[optind - 1]);
	}
}

/* Options that exclude each other, or only mean something together. */
static int
check_combination(const struct sb_session_args *a, int claude,
		  struct sb_error **err)
{
	if (claude && a->cmd)
		return sb_error_set(err, SB_E_USAGE,
				    "--claude and --cmd exclude each other");
	if (a->ssh_config && (claude || a->cmd))
		return sb_error_set(err, SB_E_USAGE,
				    "--ssh-config does not combine with "
				    "--claude or --cmd");
	if (a->jump && !a->ssh_config)
		return sb_error_set(err, SB_E_USAGE,
				    "--jump only goes with --ssh-config");
	if (a->parallel && !a->cmd)
		return sb_error_set(err, SB_E_USAGE,
				    "--parallel only goes with --cmd");
	return 0;
}

/* The operands from optind on: each a valid name, none twice. */
static int
take_names(int argc, char **argv, struct sb_session_args *a,
	   struct sb_error **err)
{
	a->nnames = (size_t)(argc - optind);
	a->names = calloc(a->nnames + 1, sizeof(*a->names));
	if (!a->names)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < a->nnames; i++) {
		a->names[i] = argv[optind + (int)i];
		if (sb_name_check(a->names[i], err) < 0) {
			if (err && *err)
				(*err)->code = SB_E_USAGE;
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->names[j], a->names[i]) == 0)
				return sb_error_set(err, SB_E_USAGE,
						    "sandbox '%s' named twice",
						    a->names[i]);
	}
	return 0;
}

int
sb_session_parse_args(int argc, char **argv, struct sb_session_args *a,
		      struct sb_error **err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "claude", no_argument, NULL, OPT_CLAUDE },
		{ "cmd", required_argument, NULL, OPT_CMD },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ "ssh-config", no_argument, NULL, OPT_SSH_CONFIG },
		{ "jump", required_argument, NULL, OPT_JUMP },
		{ NULL, 0, NULL, 0 },
	};
	int opt, claude = 0;

	memset(a, 0, sizeof(*a));
	a->mode = SB_SESSION_SHELL;
	optind = 0; /* GNU: re-initialise, so the parser can run twice */
	opterr = 0; /* library code does not print */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		int r = one_option(opt, argv, a, &claude, err);

		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	if (check_combination(a, claude, err) < 0)
		return -1;
	if (optind >= argc)
		return sb_error_set(err, SB_E_USAGE,
				    "no sandbox named: give one NAME or more");
	if (claude)
		a->mode = SB_SESSION_CLAUDE;
	else if (a->cmd)
		a->mode = SB_SESSION_CMD;
	return take_names(argc, argv, a, err);
}

void
sb_session_args_release(struct sb_session_args *a)
{
	free(a->names);
	a->names = NULL;
}
