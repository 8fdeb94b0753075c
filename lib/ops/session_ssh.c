/* The ~/.ssh/config block for a sandbox, and the host user's key it
 * names. */
#include "ops/session_ssh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"

char *
sb_session_identity(const char *home)
{
	static const char *const keys[] = { "id_ed25519", "id_ecdsa",
					    "id_rsa" };
	struct stat st;

	if (!home)
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		_cleanup_free_ char *p = NULL, *pub = NULL;

		if (asprintf(&p, "%s/.ssh/%s", home, keys[i]) < 0 ||
		    asprintf(&pub, "%s.pub", p) < 0)
			return NULL;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    stat(pub, &st) == 0 && S_ISREG(st.st_mode))
			return TAKE_PTR(p);
	}
	return NULL;
}

char *
sb_session_ssh_config(const struct sb_sandbox *s, const char *identity,
		      const char *jump, struct sb_error **err)
{
	int port = s->ssh_port;
	_cleanup_buf_ struct sb_buf b = { 0 };

	if (!port && s->slot)
		port = SB_SSH_BASE + s->slot;
	if (!port) {
		sb_error_set(err, SB_E_FAIL,
			     "sandbox '%s' has no ssh-proxy device and no "
			     "slot: recreate it with 'sandbox-start %s'",
			     s->name, s->name);
		return NULL;
	}
	sb_buf_appendf(&b, "Host sandbox-%s\n", s->name);
	sb_buf_appendf(&b, "  HostName localhost\n");
	sb_buf_appendf(&b, "  Port %d\n", port);
	sb_buf_appendf(&b, "  User %s\n", SB_USER);
	if (identity)
		sb_buf_appendf(&b, "  IdentityFile %s\n", identity);
	if (jump)
		sb_buf_appendf(&b, "  ProxyJump %s\n", jump);
	if (b.overflow || !b.data) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_buf_take(&b);
}
