/* sandbox-expose: publish a container port on the host (PORT+slot, or
 * --host-port), and let the sandbox reach PORT outside; --remove takes
 * both away. */
#include <stdio.h>

#include "cli/cli.h"
#include "incus/incus.h"
#include "ops/expose.h"

static const char usage[] =
	"Usage: sandbox-expose NAME PORT [tcp|udp|both] [OPTIONS]\n"
	"Forward host port PORT+slot to PORT in the sandbox (tcp by default),\n"
	"and allow the sandbox to connect to PORT outside.\n"
	"\n"
	"  --host-port N   listen on host port N instead of PORT+slot\n"
	"  --remove        take the forward (and the outbound rule) away\n"
	"  -q, --quiet     print only errors\n"
	"  -h, --help      show this help\n"
	"      --version   show the version\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage error.\n";

enum { OPT_HOSTPORT = 0x100, OPT_REMOVE };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host-port", required_argument, NULL, OPT_HOSTPORT },
		{ "remove", no_argument, NULL, OPT_REMOVE },
		{ "quiet", no_argument, NULL, 'q' },
		SB_CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sb_expose_opts o = { 0 };
	struct sb_error *err = NULL;
	_cleanup_incus_ struct sb_incus *c = NULL;
	int opt, host = 0, quiet = 0, rc;

	sb_cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_HOSTPORT: o.host_port = optarg; break;
		case OPT_REMOVE: o.remove = 1; break;
		case 'q': quiet = 1; break;
		default: return sb_cli_common(opt, usage);
		}
	}
	if (argc - optind < 2)
		return sb_cli_usage_error("missing %s", argc - optind ?
					  "PORT" : "NAME and PORT");
	if (argc - optind > 3)
		return sb_cli_usage_error("unexpected argument '%s'",
					  argv[optind + 3]);
	o.name = argv[optind];
	o.port = argv[optind + 1];
	o.proto = argc - optind == 3 ? argv[optind + 2] : NULL;
	if (o.remove && o.host_port)
		return sb_cli_usage_error("--remove and --host-port do not "
					  "combine");
	if (!(c = sb_incus_open(NULL, &err)))
		return sb_cli_exit(err);
	rc = sb_expose(c, &o, &host, &err);
	if (rc == 0) {
		if (quiet)
			;
		else if (o.remove)
			printf("%s: port %s no longer exposed\n", o.name, o.port);
		else
			printf("%s: localhost:%d -> port %s (%s) in the sandbox\n",
			       o.name, host, o.port, o.proto ? o.proto : "tcp");
	} else {
		sb_error_prefix(&err, "exposing %s on '%s'", o.port, o.name);
	}
	return sb_cli_result(rc, err);
}
