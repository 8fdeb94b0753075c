/* Stacks: the scripts that make golden-STACK, and where each comes from.
 *
 * A stack is NAME.sh in one of three directories, the first found wins:
 *   ~/.sandbox/stacks/    the invoking user's (SUDO_USER's under sudo)
 *   DATADIR/stacks.d/     the machine's own, next to the shipped ones
 *   DATADIR/stacks/       shipped with the toolkit
 * so a user's script overrides a shipped one of the same name.
 *
 * A stack builds on golden-base/ready unless its leading comment block
 * names another parent ("# parent: rust"); base has no parent.  Nothing
 * here talks to the daemon. */
#ifndef SB_STACK_H
#define SB_STACK_H

#include <stddef.h>

#include "core/error.h"

/* How deep parents may chain (base -> rust -> mine -> ...). */
#define SB_STACK_DEPTH 8

enum sb_stack_origin { SB_STACK_SHIPPED, SB_STACK_SYSTEM, SB_STACK_USER };

struct sb_stack {
	char *name;
	char *path;      /* the script that wins */
	char *parent;    /* NULL for base */
	int origin;      /* enum sb_stack_origin */
	char *overrides; /* path of a script this one hides, or NULL */
};

/* Reads "# parent: NAME" from the leading comment block of a script (the
 * lines from the top that start with '#', a shebang included; at most
 * the first 4 KiB).  *parent is NULL when there is none, or a copy the
 * caller frees.  A malformed or repeated parent line, or an invalid
 * name, is SB_E_INPUT. */
int sb_stack_parse_header(const char *text, size_t len, char **parent,
			  struct sb_error **err);

/* Finds stack NAME (checked like a sandbox name) and reads its header.
 * Unknown: SB_E_NOTFOUND listing the stacks there are.  A script others
 * may write is refused (root runs it into every sandbox of that stack). */
int sb_stack_find(const char *name, struct sb_stack *out,
		  struct sb_error **err);
/* Follows parents from NAME to base; fails on a missing parent, a loop
 * or a chain deeper than SB_STACK_DEPTH. */
int sb_stack_check_chain(const char *name, struct sb_error **err);
/* Every stack, base first then by name; caller frees with
 * sb_stack_list_free.  A stack whose header is bad still appears, with
 * parent NULL (building it reports why). */
struct sb_stack *sb_stack_list(size_t *n, struct sb_error **err);
void sb_stack_list_free(struct sb_stack *v, size_t n);
void sb_stack_release(struct sb_stack *s);
/* "shipped", "system" or "user". */
const char *sb_stack_origin_name(int origin);

#endif
