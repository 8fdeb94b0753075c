/* The ~/.ssh/config block that lets editors and ssh reach a sandbox as
 * `sandbox-NAME`.  Reads the host user's files; never the daemon. */
#ifndef SB_SESSION_SSH_H
#define SB_SESSION_SSH_H

#include "core/error.h"
#include "model/sandbox.h"

/* home/.ssh/id_ed25519, id_ecdsa or id_rsa, the first that exists with
 * its .pub; NULL when none does.  Caller frees. */
char *sb_session_identity(const char *home);
/* The "Host sandbox-NAME" block for ~/.ssh/config.  identity and jump
 * may be NULL.  Fails when the sandbox has no ssh port.  Caller frees. */
char *sb_session_ssh_config(const struct sb_sandbox *s, const char *identity,
			    const char *jump, struct sb_error **err);

#endif
