/* The pure rules of the compatibility contract: sandbox and stack names,
 * instance names, slots and their fixed host ports, and whole numbers
 * given on the command line.  No I/O. */
#ifndef SB_NAME_H
#define SB_NAME_H

#include "core/error.h"

#define SB_NAME_MAX 57 /* "agent-" + NAME within Incus's 63 */
#define SB_SLOT_MIN 1
#define SB_SLOT_MAX 99
#define SB_PREFIX "agent-"
#define SB_GOLDEN_PREFIX "golden-"
#define SB_KEY(k) "user.sandbox." k

/* Fixed port bases: host port = base + slot. */
#define SB_SSH_BASE 2200
#define SB_APP_BASE 8000
#define SB_ALT_BASE 9000
#define SB_APP_PORT 8080
#define SB_ALT_PORT 9090

/* Checks NAME: letters, digits and hyphens, 1..57 characters, not
 * starting or ending with a hyphen.  The error names the value and what is
 * allowed. */
int sb_name_check(const char *name, struct sb_error **err);
/* Same rule for a stack name (used in golden-STACK and stacks/STACK.sh). */
int sb_stack_check(const char *stack, struct sb_error **err);
/* "agent-NAME"; caller frees. */
char *sb_name_instance(const char *name);
/* NAME from "agent-NAME", or NULL when it is not ours. */
const char *sb_name_from_instance(const char *instance);

/* Parses a whole decimal number in [lo, hi]; "what" names it in the
 * error ("slot", "port"). */
int sb_parse_int(const char *s, long lo, long hi, const char *what, long *out,
		 struct sb_error **err);
/* Parses "tcp:127.0.0.1:2201" and similar into a port; 0 on failure. */
int sb_listen_port(const char *listen);

#endif
