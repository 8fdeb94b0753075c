/* sandbox-stop: host-side pieces first, then the instance, then its rules;
 * with --rm also its key and the instance itself. */
#include "ops/stop.h"

#include <stdlib.h>

#include "creds/creds.h"
#include "net/domains.h"
#include "net/egress.h"
#include "incus/instance.h"
#include "model/sandbox.h"

int
sb_stop(struct sb_incus *c, const char *name, int rm, int grace, char **left,
	struct sb_error **err)
{
	_cleanup_sandbox_ struct sb_sandbox *s = sb_sandbox_get(c, name, err);

	if (left)
		*left = NULL;
	if (!s)
		return -1;
	/* Host-side pieces first: once the agent is gone the key is
	 * unusable even if the container keeps running a moment longer. */
	sb_creds_stop(name);
	if (sb_instance_stop(c, s->instance, grace, err) < 0) {
		/* An interrupted --rm leaves its delete running in Incus;
		 * stop waits it out, and then the instance is gone, which
		 * is what we were asked for. */
		if (!rm || !err || !*err || (*err)->code != SB_E_NOTFOUND)
			return -1;
		sb_error_free(*err);
		*err = NULL;
	}
	/* Its rules go only now that it has stopped (a graceful stop runs
	 * the container's own shutdown for up to grace seconds). */
	sb_egress_remove(name, s->fixed_ipv4);
	if (rm) {
		sb_creds_remove(s, left);
		if (sb_instance_delete(c, s->instance, err) < 0)
			return -1;
		sb_domains_forget(name);
	}
	return 0;
}
