/* Credentials for a sandbox: the per-repository deploy key, which lives
 * only in memory and in a per-sandbox ssh-agent on the host, exposed in the
 * container at /run/ssh-agent.sock; and the clone of the repository.
 *
 * The calls below are the whole contract with the lifecycle code
 * (lib/ops/start.c, lib/ops/stop.c, lib/ops/list.c); each blocks on GitHub, the agent
 * or Incus as it says. */
#ifndef SB_CREDS_H
#define SB_CREDS_H

#include "core/cleanup.h"
#include "core/error.h"
#include "incus/incus.h"
#include "model/sandbox.h"

struct sb_creds; /* the key in memory plus what was registered */

struct sb_creds_opts {
	const char *name;         /* NAME */
	const char *repo;         /* as given (or inherited); NULL: none */
	const char *branch;       /* NULL: the default branch */
	const char *ssh_key_file; /* user's own key instead of a new one */
};

/* Before the instance exists: checks REPO, finds the token, makes the key
 * and registers it on GitHub (title sandbox-NAME, write access).  With
 * --ssh-key the user's key is read instead and GitHub is not called.
 * *out is NULL when there is nothing to do (no repository; --branch or
 * --ssh-key without one is a usage error).  On failure nothing is left
 * on GitHub. */
int sb_creds_prepare(const struct sb_creds_opts *o, struct sb_creds **out,
		     struct sb_error **err);
/* After the instance runs: starts the agent, loads the key, links the
 * socket inside (sb_creds_after_boot), stores user.sandbox.deploy-key-id,
 * user.sandbox.repo/branch (and user.sandbox.ssh-key with --ssh-key),
 * sets SSH_AUTH_SOCK (environment.SSH_AUTH_SOCK and
 * /etc/profile.d/sandbox-agent.sh), clones into /workspace/project as
 * uid 1000.  A failed clone's error carries git's own message. */
int sb_creds_attach(struct sb_creds *cr, struct sb_incus *c,
		    const char *instance, struct sb_error **err);
/* At creation, before the instance exists: the agent's disk device for
 * the create request (nothing when cr is NULL), its host directory made. */
int sb_creds_devices(const struct sb_creds *cr, json_object *devices,
		     struct sb_error **err);
/* Before a sandbox with a repository starts (and on a running one): its
 * agent directory exists and its device is the disk device (older
 * sandboxes had a proxy device, or none). */
int sb_creds_before_boot(struct sb_incus *c, const struct sb_sandbox *s,
			 struct sb_error **err);
/* After boot: the container's SB_CREDS_GUEST_SOCK symlink (in its /run
 * tmpfs) and the tmpfiles.d line that remakes it at a reboot inside. */
int sb_creds_after_boot(struct sb_incus *c, const char *instance,
			struct sb_error **err);
/* Undoes prepare and attach after a failed start: deletes the key from
 * GitHub, ends the agent.  Best effort; never fails. */
void sb_creds_undo(struct sb_creds *cr, const char *name);
/* Wipes the key from memory. */
void sb_creds_free(struct sb_creds *cr);
SB_DEFINE_CLEANUP(struct sb_creds *, sb_creds_free)
#define _cleanup_creds_ _cleanup_(sb_creds_free_ptr)

/* Restart of a stopped sandbox: starts its agent again, rotating the key
 * when the old one is gone (and re-adding the socket device, which makes
 * sandboxes of the older scripts whole).  Works on a stopped or a running
 * instance.  Blocks on GitHub and Incus.  When the rotation could not
 * delete the old key from GitHub (the restart itself succeeds), *left says
 * what remains there (caller frees; NULL when nothing does). */
int sb_creds_restart_ex(struct sb_incus *c, const struct sb_sandbox *s,
			char **left, struct sb_error **err);
/* sandbox-stop: ends the agent. */
void sb_creds_stop(const char *name);
/* sandbox-stop --rm and sandbox-nuke: deletes the key from GitHub.  When
 * that cannot be done, *left says exactly what remains there (caller
 * frees); the removal goes on regardless. */
void sb_creds_remove(const struct sb_sandbox *s, char **left);
/* sandbox-list's AGENT column: "ok", "no-key" or "none", asked of the
 * host-side agent over its socket (at most 2 s). */
const char *sb_creds_agent_status(const char *name);

/* For the progress line: "OWNER/REPO". */
const char *sb_creds_slug(const struct sb_creds *cr);
/* GitHub's id of the key prepare registered; 0 when none (no repository,
 * or --ssh-key).  Stored at creation so a start killed halfway can still
 * have its key deleted. */
long long sb_creds_key_id(const struct sb_creds *cr);

/* Names shared with tests and the lifecycle code. */
#define SB_CREDS_DEVICE "ssh-agent"              /* the disk device */
#define SB_CREDS_GUEST_SOCK "/run/ssh-agent.sock" /* inside: a symlink */
#define SB_CREDS_GUEST_DIR "/var/lib/sandbox-agent" /* the shared dir */

#endif
