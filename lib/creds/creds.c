/* Credentials: the deploy key's whole life, from generation in memory to
 * its deletion on GitHub.
 *
 * Deliberate choices:
 * - The private key exists as text only between sb_deploykey_private()
 *   and the wipe right after ssh-add has read it; it is never written to
 *   a file on the host or in the container.
 * - --ssh-key FILE is the user's own key: it is loaded the same way but
 *   never registered on (nor deleted from) GitHub, since it is the user's
 *   to manage; its path is kept in user.sandbox.ssh-key so a restart can
 *   load it again.
 * - Rotation registers the new key before deleting the old, so a failure
 *   halfway leaves the sandbox with a working key. */
#include "creds/creds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "core/cleanup.h"
#include "core/text.h"
#include "creds/agent.h"
#include "creds/creds_internal.h"
#include "creds/deploykey.h"
#include "creds/github.h"
#include "incus/files.h"
#include "model/repo.h"

#define PROFILE_FILE "/etc/profile.d/sandbox-agent.sh"

void
sb_creds_free(struct sb_creds *cr)
{
	if (!cr)
		return;
	sb_deploykey_free(cr->key);
	sb_github_free(cr->gh);
	sb_repo_release(&cr->repo);
	SB_FREE_MANY(cr->name, cr->repo_given, cr->slug, cr->branch,
		     cr->ssh_key_file, cr);
}

const char *
sb_creds_slug(const struct sb_creds *cr)
{
	return cr ? cr->slug : NULL;
}

/* git check-ref-format's rules, enough to keep a branch name from being
 * read as an option or a revision expression. */
static int
branch_check(const char *b, struct sb_error **err)
{
	size_t n = strlen(b);

	if (n == 0 || n > 255 || b[0] == '-' || b[0] == '/' ||
	    b[n - 1] == '/' || b[n - 1] == '.' || strstr(b, "..") ||
	    strstr(b, "//") || strstr(b, "@{") || strcmp(b, "@") == 0 ||
	    (n >= 5 && strcmp(b + n - 5, ".lock") == 0))
		goto bad;
	for (const char *p = b; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("~^:?*[\\", *p))
			goto bad;
	return 0;
bad:
	return sb_error_set(err, SB_E_INPUT,
		"invalid branch '%s': use a git branch name (no spaces, "
		"'..', '~^:?*[\\', leading '-' or trailing '/' or '.lock')",
		b);
}

static char *
key_title(const char *name)
{
	return sb_text_fmt("sandbox-%s", name);
}

/* From here on this process holds (or is about to hold) a private key in
 * memory: no core file and no ptrace attach by the same user, which would
 * both hand the key out.  Left so until exit: the key is wiped before
 * then, and nothing later needs a core. */
static int
no_dump(struct sb_error **err)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    setrlimit(RLIMIT_CORE, &none) < 0)
		return sb_error_sys(err, "making the process undumpable");
	return 0;
}

int
sb_creds_prepare(const struct sb_creds_opts *o, struct sb_creds **out,
		 struct sb_error **err)
{
	_cleanup_free_ char *title = NULL;
	_cleanup_creds_ struct sb_creds *cr = NULL;

	*out = NULL;
	if (o->repo && no_dump(err) < 0)
		return -1;
	if (!o->repo) {
		if (o->ssh_key_file || o->branch)
			return sb_error_set(err, SB_E_USAGE, "%s needs a "
				"repository (REPO, or --from a sandbox that "
				"has one)", o->ssh_key_file ? "--ssh-key" :
				"--branch");
		return 0;
	}
	if (o->branch && branch_check(o->branch, err) < 0)
		return -1;
	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_repo_parse(o->repo, &cr->repo, err) < 0)
		return -1;
	cr->name = strdup(o->name);
	cr->repo_given = strdup(o->repo);
	cr->slug = sb_repo_slug(&cr->repo);
	cr->branch = o->branch ? strdup(o->branch) : NULL;
	title = key_title(o->name);
	if (!cr->name || !cr->repo_given || !cr->slug || !title ||
	    (o->branch && !cr->branch))
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (o->ssh_key_file) {
		cr->ssh_key_file = realpath(o->ssh_key_file, NULL);
		if (!cr->ssh_key_file)
			return sb_error_sys(err, "--ssh-key '%s'",
					    o->ssh_key_file);
		cr->key = sb_deploykey_from_file(cr->ssh_key_file, title, err);
		if (!cr->key)
			return -1;
		*out = TAKE_PTR(cr);
		return 0;
	}
	cr->gh = sb_github_open(err);
	if (!cr->gh)
		return -1;
	cr->key = sb_deploykey_generate(title, err);
	if (!cr->key)
		return -1;
	if (sb_github_key_add(cr->gh, cr->slug, title,
			      sb_deploykey_public(cr->key), 0, &cr->key_id,
			      err) < 0)
		return -1;
	*out = TAKE_PTR(cr);
	return 0;
}

static const char profile_text[] =
	"# Written by sandbox-start: the deploy key's agent, kept on the "
	"host.\n"
	"export SSH_AUTH_SOCK=" SB_CREDS_GUEST_SOCK "\n";

/* What the instance keeps of the credentials: the repository as given,
 * the branch, GitHub's id of the key or the user's key file, and where
 * the agent's socket is. */
static int
record_repo(const struct sb_creds *cr, struct sb_incus *c, const char *instance,
	    struct sb_error **err)
{
	json_object *config = json_object_new_object();
	char id[32];

	json_object_object_add(config, SB_KEY("repo"),
			       json_object_new_string(cr->repo_given));
	if (cr->branch)
		json_object_object_add(config, SB_KEY("branch"),
				       json_object_new_string(cr->branch));
	if (cr->key_id) {
		snprintf(id, sizeof(id), "%lld", cr->key_id);
		json_object_object_add(config, SB_KEY("deploy-key-id"),
				       json_object_new_string(id));
	}
	if (cr->ssh_key_file)
		json_object_object_add(config, SB_KEY("ssh-key"),
				       json_object_new_string(cr->ssh_key_file));
	json_object_object_add(config, "environment.SSH_AUTH_SOCK",
			       json_object_new_string(SB_CREDS_GUEST_SOCK));
	return sb_creds_instance_patch(c, instance, config, NULL, err);
}

int
sb_creds_attach(struct sb_creds *cr, struct sb_incus *c, const char *instance,
		struct sb_error **err)
{
	_cleanup_json_ json_object *inst = NULL;

	if (!cr)
		return 0;
	if (!(inst = sb_creds_instance_get(c, instance, err)) ||
	    sb_creds_agent_load(cr->name, inst, cr->key, err) < 0 ||
	    sb_creds_after_boot(c, instance, err) < 0)
		return sb_error_prefix(err, "starting the ssh-agent of '%s'",
				       cr->name);
	if (record_repo(cr, c, instance, err) < 0)
		return sb_error_prefix(err, "recording the repository of '%s'",
				       instance);
	if (sb_file_push(c, instance, PROFILE_FILE, profile_text,
			 sizeof(profile_text) - 1, 0, 0, 0644, err) < 0)
		return sb_error_prefix(err, "writing %s", PROFILE_FILE);
	return sb_creds_clone(cr, c, instance, err);
}

void
sb_creds_undo(struct sb_creds *cr, const char *name)
{
	if (!cr)
		return;
	if (cr->key_id && cr->gh &&
	    sb_github_key_delete(cr->gh, cr->slug, cr->key_id, SB_IGNORE) == 0)
		cr->key_id = 0;
	sb_agent_stop(name ? name : cr->name);
	sb_agent_share_remove(name ? name : cr->name);
}

/* ---- restart, stop, remove ---- */

static const char *
config_str(json_object *inst, const char *key)
{
	json_object *cfg, *v;

	if (!json_object_object_get_ex(inst, "config", &cfg) ||
	    !json_object_object_get_ex(cfg, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static long long
parse_id(const char *s)
{
	char *e;
	long long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &e, 10);
	return errno || *e || v <= 0 ? 0 : v;
}

static char *
left_message(const char *slug, long long id, const char *why)
{
	_cleanup_free_ char *page = sb_github_keys_page(slug);

	return sb_text_fmt("deploy key %lld on %s was not deleted (%s); "
			   "delete it at %s",
			   id, slug, why, page ? page : "GitHub");
}

/* The user's own key (--ssh-key): load it again, nothing to rotate. */
static int
reload_own_key(struct sb_incus *c, const struct sb_sandbox *s,
	       json_object *inst, const char *keyfile, const char *title,
	       struct sb_error **err)
{
	_cleanup_deploykey_ struct sb_deploykey *key = NULL;

	key = sb_deploykey_from_file(keyfile, title, err);
	if (!key || sb_creds_agent_load(s->name, inst, key, err) < 0)
		return -1;
	return sb_creds_after_boot(c, s->instance, err);
}

static int
record_key_id(struct sb_incus *c, const char *instance, long long id,
	      struct sb_error **err)
{
	json_object *config = json_object_new_object();
	char text[32];

	snprintf(text, sizeof(text), "%lld", id);
	json_object_object_add(config, SB_KEY("deploy-key-id"),
			       json_object_new_string(text));
	return sb_creds_instance_patch(c, instance, config, NULL, err);
}

/* The key is gone with the agent: a new one is made and registered and
 * the agent loaded with it; new_id is recorded on the instance before
 * the old key is deleted from GitHub, so a failure halfway leaves the
 * sandbox with a working key.  Undoes its own registration on failure. */
static int
rotate_key(struct sb_incus *c, const struct sb_sandbox *s, json_object *inst,
	   const char *title, char **left, struct sb_error **err)
{
	_cleanup_deploykey_ struct sb_deploykey *key = NULL;
	_cleanup_free_ char *slug = NULL;
	_cleanup_github_ struct sb_github *gh = NULL;
	struct sb_repo repo = { 0 };
	long long old_id, new_id = 0;
	int ret = -1;

	if (sb_repo_parse(s->repo, &repo, err) < 0)
		return -1;
	slug = sb_repo_slug(&repo);
	sb_repo_release(&repo);
	if (!slug || !title)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (!(gh = sb_github_open(err)) ||
	    !(key = sb_deploykey_generate(title, err)) ||
	    sb_github_key_add(gh, slug, title, sb_deploykey_public(key), 0,
			      &new_id, err) < 0) {
		sb_error_prefix(err, "the deploy key of '%s' is gone (its "
				"agent ended); making a new one", s->name);
		goto out;
	}
	if (sb_creds_agent_load(s->name, inst, key, err) < 0 ||
	    record_key_id(c, s->instance, new_id, err) < 0 ||
	    sb_creds_after_boot(c, s->instance, err) < 0)
		goto undo;
	old_id = parse_id(config_str(inst, SB_KEY("deploy-key-id")));
	if (old_id && old_id != new_id) {
		_cleanup_error_ struct sb_error *e = NULL;

		if (sb_github_key_delete(gh, slug, old_id, &e) < 0 && left)
			*left = left_message(slug, old_id,
					     e ? e->msg : "unknown error");
	}
	ret = 0;
	goto out;
undo:
	sb_github_key_delete(gh, slug, new_id, SB_IGNORE);
	sb_agent_stop(s->name);
out:
	return ret;
}

int
sb_creds_restart_ex(struct sb_incus *c, const struct sb_sandbox *s, char **left,
		    struct sb_error **err)
{
	_cleanup_json_ json_object *inst = NULL;
	_cleanup_free_ char *title = NULL;
	const char *keyfile;

	if (no_dump(err) < 0)
		return -1;

	if (left)
		*left = NULL;
	if (!s->repo)
		return 0;
	inst = sb_creds_instance_get(c, s->instance, err);
	if (!inst)
		return -1;
	/* The agent lives on (a running sandbox): only the container's
	 * link to it, which a reboot inside may have lost. */
	if (sb_agent_state(s->name) == SB_AGENT_OK)
		return sb_creds_after_boot(c, s->instance, err);
	title = key_title(s->name);
	keyfile = config_str(inst, SB_KEY("ssh-key"));
	if (keyfile && *keyfile)
		return reload_own_key(c, s, inst, keyfile, title, err);
	return rotate_key(c, s, inst, title, left, err);
}

void
sb_creds_stop(const char *name)
{
	sb_agent_stop(name);
}

void
sb_creds_remove(const struct sb_sandbox *s, char **left)
{
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_free_ char *slug = NULL;
	_cleanup_github_ struct sb_github *gh = NULL;
	struct sb_repo repo;
	long long id;

	*left = NULL;
	sb_agent_stop(s->name);
	sb_agent_share_remove(s->name);
	id = parse_id(s->deploy_key_id);
	if (!id || !s->repo)
		return;
	if (sb_repo_parse(s->repo, &repo, &e) < 0) {
		*left = sb_text_fmt("deploy key %lld was not deleted: the "
				    "repository '%s' in user.sandbox.repo is "
				    "not understood",
				    id, s->repo);
		return;
	}
	slug = sb_repo_slug(&repo);
	sb_repo_release(&repo);
	if (!slug)
		return;
	gh = sb_github_open(&e);
	if (!gh || sb_github_key_delete(gh, slug, id, &e) < 0)
		*left = left_message(slug, id, e ? e->msg : "out of memory");
}

const char *
sb_creds_agent_status(const char *name)
{
	switch (sb_agent_state(name)) {
	case SB_AGENT_OK:
		return "ok";
	case SB_AGENT_NOKEY:
		return "no-key";
	default:
		return "none";
	}
}

long long
sb_creds_key_id(const struct sb_creds *cr)
{
	return cr ? cr->key_id : 0;
}
