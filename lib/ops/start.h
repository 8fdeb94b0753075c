/* sandbox-start: restart-or-create, as one call with an undo path.
 *
 * Create order: validate everything (nothing changes on bad input), take
 * the slot lock, pick a slot, sb_creds_prepare (key registered on GitHub),
 * copy golden-STACK/ready with config, limits and the three proxy devices
 * in one request, start, wait for an address and sshd, write keys and the
 * environment, sb_creds_attach (agent, socket device, clone),
 * sb_egress_apply.  Any failure undoes every step already done, in
 * reverse. */
#ifndef SB_START_H
#define SB_START_H

#include <stddef.h>

#include "core/error.h"
#include "core/progress.h"
#include "incus/incus.h"

struct sb_start_opts {
	const char *name;
	const char *repo;         /* NULL: none (or inherited with --from) */
	const char *stack;        /* NULL: base (or inherited with --from) */
	const char *slot;         /* as typed; NULL: lowest free */
	const char *cpu;          /* limits.cpu */
	const char *memory;       /* limits.memory */
	const char **env;         /* --env K=V, in order (kept) */
	size_t nenv;
	const char **unset_env;   /* --unset-env K (dropped from what is
				     kept) */
	size_t nunset_env;
	const char *ssh_key_file; /* --ssh-key: the user's own deploy key */
	const char *branch;
	const char *from;
	int restrict_domains;
	int cache;                /* --cache: the shared cache volumes */
	const char *domains_file;
	const char **allow_cidr;  /* --allow-cidr */
	size_t nallow_cidr;
	int quiet;
	const struct sb_progress *progress; /* NULL: silent */
};

/* What the summary needs; filled on success. */
struct sb_start_result {
	int created;         /* 0: restarted an existing one */
	int already_running;
	int slot;
	char *stack;
	char *egress;        /* "open" or "filtered" */
	char *repo;
	char *branch;
	char *identity;      /* the host public key injected, when any */
	char *warning;       /* something left undone that the user should
				know (an old key still on GitHub) */
};

int sb_start(struct sb_incus *c, const struct sb_start_opts *o,
	     struct sb_start_result *res, struct sb_error **err);
void sb_start_result_release(struct sb_start_result *r);

#endif
