/* The command line of `sandbox`: which sandboxes, which session mode, and
 * the options that go with them, checked for how they combine.  Parsing
 * only: nothing here talks to the daemon. */
#ifndef SB_SESSION_ARGS_H
#define SB_SESSION_ARGS_H

#include <stddef.h>

#include "core/error.h"
#include "ops/session.h"

#define SB_PARALLEL_MAX 64

struct sb_session_args {
	char **names; /* pointers into argv; NULL-terminated */
	size_t nnames;
	int mode;        /* enum sb_session_mode */
	const char *cmd; /* SB_SESSION_CMD */
	int parallel;    /* --parallel N; 0 when not given */
	int ssh_config;
	const char *jump; /* --jump HOST */
	int help, version;
};

/* Parses the command line (getopt_long; options may follow the names).
 * A usage error is SB_E_USAGE with a one-line message.  With --help or
 * --version the rest is not checked.  Release with
 * sb_session_args_release. */
int sb_session_parse_args(int argc, char **argv, struct sb_session_args *a,
			  struct sb_error **err);
void sb_session_args_release(struct sb_session_args *a);

#endif
