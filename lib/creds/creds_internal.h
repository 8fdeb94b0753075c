/* What the credentials' files share among themselves (creds.c the key's
 * lifecycle, creds_guest.c the agent as the container sees it,
 * creds_clone.c git inside the container); nothing outside
 * lib/creds/creds*.c includes it. */
#ifndef SB_CREDS_INTERNAL_H
#define SB_CREDS_INTERNAL_H

#include <json-c/json.h>

#include "core/error.h"
#include "creds/creds.h"
#include "creds/deploykey.h"
#include "creds/github.h"
#include "incus/incus.h"
#include "model/repo.h"

struct sb_creds {
	char *name;
	char *repo_given; /* as typed, stored in user.sandbox.repo */
	struct sb_repo repo;
	char *slug;
	char *branch;
	char *ssh_key_file; /* absolute; NULL for a generated key */
	struct sb_deploykey *key;
	struct sb_github *gh; /* NULL with --ssh-key */
	long long key_id;     /* 0: nothing registered */
};

/* GET /1.0/instances/INSTANCE; caller puts. */
json_object *sb_creds_instance_get(struct sb_incus *c, const char *instance,
				   struct sb_error **err);
/* One PATCH of config and/or devices, both taken (put) in every case. */
int sb_creds_instance_patch(struct sb_incus *c, const char *instance,
			    json_object *config, json_object *devices,
			    struct sb_error **err);
/* Starts the sandbox's agent as the host ids of the container's uid 1000
 * (from inst's idmap) and loads key into it. */
int sb_creds_agent_load(const char *name, json_object *inst,
			const struct sb_deploykey *key, struct sb_error **err);
/* Writes the ssh_config override SANDBOX_GITHUB_SSH asks for, then clones
 * cr's repository into SB_WORKSPACE as uid 1000; a failed clone's error
 * carries git's own message. */
int sb_creds_clone(const struct sb_creds *cr, struct sb_incus *c,
		   const char *instance, struct sb_error **err);

#endif
