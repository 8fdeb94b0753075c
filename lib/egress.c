/* Placeholder until egress filtering lands: restriction is refused as not
 * available yet, everything else is a no-op. */
#include "egress.h"

int
sb_egress_check(const struct sb_egress_opts *o, json_object *cfg,
		struct sb_error **err)
{
	(void)cfg;
	if (o->restrict_domains || o->domains_file || o->nallow_cidr)
		return sb_error_set(err, SB_E_NOTIMPL,
			"egress filtering (--restrict-domains, "
			"--domains-file, --allow-cidr) is not available yet");
	return 0;
}

int
sb_egress_setup(struct sb_error **err)
{
	(void)err;
	return 0;
}

int
sb_egress_apply(const struct sb_sandbox *s, struct sb_error **err)
{
	(void)s, (void)err;
	return 0;
}

void
sb_egress_remove(const char *name)
{
	(void)name;
}

const char *
sb_egress_mode(const struct sb_sandbox *s)
{
	return s->restricted ? "filtered" : "open";
}
