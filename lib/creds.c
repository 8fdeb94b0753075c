/* Placeholder until deploy keys land: a repository is refused as not
 * available yet, everything else is a no-op. */
#include "creds.h"

#include <stddef.h>

int
sb_creds_prepare(const struct sb_creds_opts *o, struct sb_creds **out,
		 struct sb_error **err)
{
	*out = NULL;
	if (o->repo || o->ssh_key_file || o->branch)
		return sb_error_set(err, SB_E_NOTIMPL,
			"repositories and deploy keys (REPO, --branch, "
			"--ssh-key) are not available yet");
	return 0;
}

int
sb_creds_attach(struct sb_creds *cr, struct sb_incus *c, const char *instance,
		struct sb_error **err)
{
	(void)cr, (void)c, (void)instance, (void)err;
	return 0;
}

void
sb_creds_undo(struct sb_creds *cr, const char *name)
{
	(void)cr, (void)name;
}

void
sb_creds_free(struct sb_creds *cr)
{
	(void)cr;
}

int
sb_creds_restart(struct sb_incus *c, const struct sb_sandbox *s,
		 struct sb_error **err)
{
	(void)c, (void)s, (void)err;
	return 0;
}

void
sb_creds_stop(const char *name)
{
	(void)name;
}

void
sb_creds_remove(const struct sb_sandbox *s, char **left)
{
	(void)s;
	*left = NULL;
}

const char *
sb_creds_agent_status(const char *name)
{
	(void)name;
	return NULL;
}
