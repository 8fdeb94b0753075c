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
#include "core/text.h"
#include "creds/creds.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "creds/agent.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "creds/deploykey.h"
#include "incus/exec.h"
#include "incus/files.h"
#include "creds/github.h"
#include "model/repo.h"
#include "sys/knobs.h"

#define TMPFILES_FILE "/etc/tmpfiles.d/sandbox-agent.conf"
#define PROFILE_FILE "/etc/profile.d/sandbox-agent.sh"
#define SSH_CONFIG_FILE "/etc/ssh/ssh_config.d/sandbox-github.conf"

struct sb_creds {
	char *name;
	char *repo_given;         /* as typed, stored in user.sandbox.repo */
	struct sb_repo repo;
	char *slug;
	char *branch;
	char *ssh_key_file;       /* absolute; NULL for a generated key */
	struct sb_deploykey *key;
	struct sb_github *gh;     /* NULL with --ssh-key */
	long long key_id;         /* 0: nothing registered */
};


void
sb_creds_free(struct sb_creds *cr)
{
	if (!cr)
		return;
	sb_deploykey_free(cr->key);
	sb_github_free(cr->gh);
	sb_repo_release(&cr->repo);
	free(cr->name);
	free(cr->repo_given);
	free(cr->slug);
	free(cr->branch);
	free(cr->ssh_key_file);
	free(cr);
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
	struct sb_creds *cr;

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
		goto fail;
	cr->name = strdup(o->name);
	cr->repo_given = strdup(o->repo);
	cr->slug = sb_repo_slug(&cr->repo);
	cr->branch = o->branch ? strdup(o->branch) : NULL;
	title = key_title(o->name);
	if (!cr->name || !cr->repo_given || !cr->slug || !title ||
	    (o->branch && !cr->branch)) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		goto fail;
	}
	if (o->ssh_key_file) {
		cr->ssh_key_file = realpath(o->ssh_key_file, NULL);
		if (!cr->ssh_key_file) {
			sb_error_sys(err, "--ssh-key '%s'", o->ssh_key_file);
			goto fail;
		}
		cr->key = sb_deploykey_from_file(cr->ssh_key_file, title, err);
		if (!cr->key)
			goto fail;
		*out = cr;
		return 0;
	}
	cr->gh = sb_github_open(err);
	if (!cr->gh)
		goto fail;
	cr->key = sb_deploykey_generate(title, err);
	if (!cr->key)
		goto fail;
	if (sb_github_key_add(cr->gh, cr->slug, title,
			      sb_deploykey_public(cr->key), 0, &cr->key_id,
			      err) < 0)
		goto fail;
	*out = cr;
	return 0;
fail:
	sb_creds_free(cr);
	return -1;
}

/* mapped_ids looks up one id in both maps. */
_Static_assert(SB_USER_UID == SB_USER_GID, "the user's uid and gid differ");

/* The host uid and gid that the container's uid/gid 1000 map to, from
 * the instance's idmap (volatile.idmap.current, or .next before its
 * first start): the agent runs as them. */
static int
mapped_ids(json_object *inst, uid_t *uid, gid_t *gid, struct sb_error **err)
{
	static const char *const keys[] = { "volatile.idmap.current",
					    "volatile.idmap.next" };
	json_object *cfg;
	int have_u = 0, have_g = 0;

	if (!json_object_object_get_ex(inst, "config", &cfg))
		cfg = NULL;
	for (size_t k = 0; k < 2 && !(have_u && have_g); k++) {
		const char *text = sb_json_str(cfg, keys[k]);
		_cleanup_json_ json_object *map = text ?
			json_tokener_parse(text) : NULL;

		for (size_t i = 0; i < sb_json_array_len(map); i++) {
			json_object *e = json_object_array_get_idx(map, i), *v;
			long long host = -1, ns = -1, range = -1;
			int isu = 0, isg = 0;

			if (json_object_object_get_ex(e, "Hostid", &v))
				host = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "Nsid", &v))
				ns = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "Maprange", &v))
				range = json_object_get_int64(v);
			if (json_object_object_get_ex(e, "Isuid", &v))
				isu = json_object_get_boolean(v);
			if (json_object_object_get_ex(e, "Isgid", &v))
				isg = json_object_get_boolean(v);
			if (host < 0 || ns < 0 || ns > SB_USER_UID ||
			    SB_USER_UID >= ns + range ||
			    host + SB_USER_UID - ns > 0x7fffffff)
				continue;
			/* Never host root: that would make the agent root's
			 * and hand it to a privileged container's uid 0. */
			if (host + SB_USER_UID - ns == 0)
				continue;
			if (isu && !have_u) {
				*uid = (uid_t)(host + SB_USER_UID - ns);
				have_u = 1;
			}
			if (isg && !have_g) {
				*gid = (gid_t)(host + SB_USER_UID - ns);
				have_g = 1;
			}
		}
	}
	if (!have_u || !have_g)
		return sb_error_set(err, SB_E_FAIL,
				    "no uid map for the container's uid %d "
				    "(volatile.idmap.current): a privileged "
				    "container cannot hold a deploy key safely",
				    SB_USER_UID);
	return 0;
}

/* Starts the sandbox's agent as the host ids of the container's uid
 * 1000 and loads key into it. */
static int
agent_load(const char *name, json_object *inst, const struct sb_deploykey *key,
	   struct sb_error **err)
{
	char *pem = NULL;
	size_t len = 0;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int r;

	if (mapped_ids(inst, &uid, &gid, err) < 0 ||
	    sb_agent_start(name, uid, gid, err) < 0)
		return -1;
	if (sb_deploykey_private(key, &pem, &len, err) < 0)
		return -1;
	r = sb_agent_add(name, pem, len, err);
	sb_deploykey_wipe(pem, len);
	return r;
}

/* The device that shows the agent's socket inside: the host directory of
 * root's holding one more name of it, read-only at SB_CREDS_GUEST_DIR
 * (outside /run, whose tmpfs would hide it); SB_CREDS_GUEST_SOCK is a
 * symlink to it (sb_creds_after_boot).  A disk device starts no
 * forkproxy and costs Incus nothing at start. */
static json_object *
agent_device(const char *name)
{
	_cleanup_free_ char *dir = sb_agent_share_dir(name);
	json_object *d;

	if (!dir)
		return NULL;
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("disk"));
	json_object_object_add(d, "source", json_object_new_string(dir));
	json_object_object_add(d, "path",
			       json_object_new_string(SB_CREDS_GUEST_DIR));
	json_object_object_add(d, "readonly", json_object_new_string("true"));
	return d;
}

int
sb_creds_devices(const struct sb_creds *cr, json_object *devices,
		 struct sb_error **err)
{
	json_object *d;

	if (!cr)
		return 0;
	if (sb_agent_share_prepare(cr->name, err) < 0)
		return -1;
	if (!(d = agent_device(cr->name)))
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	json_object_object_add(devices, SB_CREDS_DEVICE, d);
	return 0;
}

static int
patch_instance(struct sb_incus *c, const char *instance, json_object *config,
	       json_object *devices, struct sb_error **err)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *res = NULL;
	_cleanup_free_ char *esc = sb_incus_escape(instance);
	_cleanup_free_ char *path = esc ? sb_text_fmt("/1.0/instances/%s", esc) : NULL;

	if (!path) {
		json_object_put(config);
		json_object_put(devices);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	if (config)
		json_object_object_add(body, "config", config);
	if (devices)
		json_object_object_add(body, "devices", devices);
	res = sb_incus_call(c, "PATCH", path, body, NULL, err);
	return res ? 0 : -1;
}

/* git's stderr as one line, without the "Cloning into ..." chatter. */
static char *
git_message(const struct sb_buf *e)
{
	struct sb_buf b = { 0 };
	char *copy, *save = NULL, *line;

	if (!e->data || !*e->data)
		return strdup("git gave no message");
	copy = strdup(e->data);
	if (!copy)
		return NULL;
	for (line = strtok_r(copy, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(line, "Cloning into", 12) == 0 || !*line)
			continue;
		/* Sentences run on; separate messages get a "; ". */
		if (b.len)
			sb_buf_append(&b, b.data[b.len - 1] == '.' ? " " : "; ",
				      b.data[b.len - 1] == '.' ? 1 : 2);
		sb_buf_append(&b, line, strlen(line));
	}
	free(copy);
	return b.data ? sb_buf_take(&b) : strdup("git gave no message");
}

/* The clone runs as uid 1000 with the agent socket; the host key is
 * accepted on first use and kept in ~/.ssh/known_hosts for later pushes.
 * URL and branch travel as environment variables, never through the
 * shell's parser. */
static const char clone_script[] =
	"set -e\n"
	"git clone -- \"$SB_URL\" " SB_WORKSPACE "\n"
	"git config --global --add safe.directory " SB_WORKSPACE "\n"
	"if [ -n \"$SB_BRANCH\" ]; then\n"
	"  cd " SB_WORKSPACE "\n"
	"  if git rev-parse -q --verify \"refs/remotes/origin/$SB_BRANCH\" "
	">/dev/null; then\n"
	"    git checkout -q \"$SB_BRANCH\" --\n"
	"  else\n"
	"    git checkout -q -b \"$SB_BRANCH\"\n"
	"  fi\n"
	"fi\n";

static int
clone_repo(struct sb_creds *cr, struct sb_incus *c, const char *instance,
	   struct sb_error **err)
{
	_cleanup_free_ char *url = sb_text_fmt("SB_URL=%s", cr->repo.ssh_url);
	_cleanup_free_ char *br = sb_text_fmt("SB_BRANCH=%s",
				      cr->branch ? cr->branch : "");
	const char *argv[] = { "sh", "-c", clone_script, NULL };
	const char *env[] = {
		"HOME=" SB_USER_HOME,
		"USER=" SB_USER,
		"LOGNAME=" SB_USER,
		"SSH_AUTH_SOCK=" SB_CREDS_GUEST_SOCK,
		"GIT_SSH_COMMAND=ssh -o StrictHostKeyChecking=accept-new "
		"-o BatchMode=yes",
		"GIT_TERMINAL_PROMPT=0",
		url,
		br,
		NULL,
	};
	struct sb_buf errout = { .max = 64 << 10 };
	int status = -1;
	char *msg;

	if (!url || !br)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_exec_recorded(c, instance, argv, env, SB_USER_UID, SB_USER_GID,
			     SB_USER_HOME, NULL, 0, &status, NULL, &errout,
			     err) < 0) {
		sb_buf_release(&errout);
		return sb_error_prefix(err, "cloning %s", cr->repo.ssh_url);
	}
	if (status == 0) {
		sb_buf_release(&errout);
		return 0;
	}
	msg = git_message(&errout);
	sb_buf_release(&errout);
	sb_error_set(err, SB_E_FAIL, "cloning %s into %s failed: %s",
		     cr->repo.ssh_url, SB_WORKSPACE,
		     msg ? msg : "out of memory");
	free(msg);
	return -1;
}

/* SANDBOX_GITHUB_SSH=HOST[:PORT] sends git's SSH for github.com somewhere
 * else, keeping the name github.com for host keys: ssh.github.com:443 on
 * networks that block port 22, or a local server in tests.  It goes into
 * the system ssh_config so later pushes take the same way. */
static int
github_ssh_override(struct sb_incus *c, const char *instance,
		    struct sb_error **err)
{
	const char *v = sb_knobs_get()->github_ssh;
	_cleanup_free_ char *host = NULL, *text = NULL;
	const char *colon;
	long port = 22;

	if (!v)
		return 0;
	colon = strrchr(v, ':');
	host = colon ? strndup(v, (size_t)(colon - v)) : strdup(v);
	if (!host)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (colon && sb_parse_int(colon + 1, 1, 65535, "port", &port, err) < 0)
		return sb_error_prefix(err, "SANDBOX_GITHUB_SSH '%s'", v);
	if (!*host || strspn(host, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
	    strlen(host))
		return sb_error_set(err, SB_E_INPUT, "SANDBOX_GITHUB_SSH '%s' "
				    "is not HOST or HOST:PORT", v);
	text = sb_text_fmt("# Written by sandbox-start from SANDBOX_GITHUB_SSH.\n"
		   "Host github.com\n  HostName %s\n  Port %ld\n"
		   "  HostKeyAlias github.com\n", host, port);
	if (!text)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_file_mkdir(c, instance, "/etc/ssh/ssh_config.d", 0, 0, 0755,
			  err) < 0 ||
	    sb_file_push(c, instance, SSH_CONFIG_FILE, text, strlen(text), 0,
			 0, 0644, err) < 0)
		return sb_error_prefix(err, "writing %s", SSH_CONFIG_FILE);
	return 0;
}

static json_object *get_instance(struct sb_incus *c, const char *instance,
				 struct sb_error **err);

/* In the container's /run (a tmpfs, new at every boot): the contract's
 * socket path, a symlink into the shared directory.  A tmpfiles.d line
 * makes it again when the container reboots itself. */
static const char tmpfiles_text[] =
	"# Written by sandbox-start: the deploy key's agent socket.\n"
	"L+ " SB_CREDS_GUEST_SOCK " - - - - " SB_CREDS_GUEST_DIR "/"
	SB_AGENT_SOCK_NAME "\n";

int
sb_creds_after_boot(struct sb_incus *c, const char *instance,
		    struct sb_error **err)
{
	if (sb_file_symlink(c, instance, SB_CREDS_GUEST_SOCK,
			    SB_CREDS_GUEST_DIR "/" SB_AGENT_SOCK_NAME,
			    err) < 0 ||
	    sb_file_push(c, instance, TMPFILES_FILE, tmpfiles_text,
			 sizeof(tmpfiles_text) - 1, 0, 0, 0644, err) < 0)
		return sb_error_prefix(err, "linking %s", SB_CREDS_GUEST_SOCK);
	return 0;
}

static const char profile_text[] =
	"# Written by sandbox-start: the deploy key's agent, kept on the "
	"host.\n"
	"export SSH_AUTH_SOCK=" SB_CREDS_GUEST_SOCK "\n";

int
sb_creds_attach(struct sb_creds *cr, struct sb_incus *c, const char *instance,
		struct sb_error **err)
{
	_cleanup_json_ json_object *inst = NULL;
	json_object *config;
	char id[32];

	if (!cr)
		return 0;
	if (!(inst = get_instance(c, instance, err)) ||
	    agent_load(cr->name, inst, cr->key, err) < 0 ||
	    sb_creds_after_boot(c, instance, err) < 0)
		return sb_error_prefix(err, "starting the ssh-agent of '%s'",
				       cr->name);
	config = json_object_new_object();
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
	if (patch_instance(c, instance, config, NULL, err) < 0)
		return sb_error_prefix(err, "recording the repository of '%s'",
				       instance);
	if (sb_file_push(c, instance, PROFILE_FILE, profile_text,
			 sizeof(profile_text) - 1, 0, 0, 0644, err) < 0)
		return sb_error_prefix(err, "writing %s", PROFILE_FILE);
	if (github_ssh_override(c, instance, err) < 0)
		return -1;
	return clone_repo(cr, c, instance, err);
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

static json_object *
get_instance(struct sb_incus *c, const char *instance, struct sb_error **err)
{
	_cleanup_free_ char *esc = sb_incus_escape(instance);
	_cleanup_free_ char *path = esc ? sb_text_fmt("/1.0/instances/%s", esc) : NULL;

	if (!path) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_incus_get(c, path, NULL, err);
}

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

	return sb_text_fmt("deploy key %lld on %s was not deleted (%s); delete it at "
		   "%s", id, slug, why, page ? page : "GitHub");
}

int
sb_creds_restart_ex(struct sb_incus *c, const struct sb_sandbox *s,
		    char **left, struct sb_error **err)
{
	_cleanup_json_ json_object *inst = NULL;
	_cleanup_free_ char *title = NULL, *slug = NULL;
	struct sb_github *gh = NULL;
	struct sb_deploykey *key = NULL;
	struct sb_repo repo = { 0 };
	const char *keyfile;
	long long old_id, new_id = 0;
	json_object *config;
	char id[32];
	int ret = -1;

	if (no_dump(err) < 0)
		return -1;

	if (left)
		*left = NULL;
	if (!s->repo)
		return 0;
	inst = get_instance(c, s->instance, err);
	if (!inst)
		return -1;
	/* The agent lives on (a running sandbox): only the container's
	 * link to it, which a reboot inside may have lost. */
	if (sb_agent_state(s->name) == SB_AGENT_OK)
		return sb_creds_after_boot(c, s->instance, err);
	title = key_title(s->name);
	keyfile = config_str(inst, SB_KEY("ssh-key"));
	if (keyfile && *keyfile) {
		/* The user's own key: load it again, nothing to rotate. */
		key = sb_deploykey_from_file(keyfile, title, err);
		if (!key || agent_load(s->name, inst, key, err) < 0)
			goto out;
		ret = sb_creds_after_boot(c, s->instance, err);
		goto out;
	}
	if (sb_repo_parse(s->repo, &repo, err) < 0)
		goto out;
	slug = sb_repo_slug(&repo);
	if (!slug || !title) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		goto out;
	}
	/* The key is gone with the agent: make and register a new one. */
	if (!(gh = sb_github_open(err)) ||
	    !(key = sb_deploykey_generate(title, err)) ||
	    sb_github_key_add(gh, slug, title, sb_deploykey_public(key), 0,
			      &new_id, err) < 0) {
		sb_error_prefix(err, "the deploy key of '%s' is gone (its "
				"agent ended); making a new one", s->name);
		goto out;
	}
	if (agent_load(s->name, inst, key, err) < 0)
		goto undo;
	snprintf(id, sizeof(id), "%lld", new_id);
	config = json_object_new_object();
	json_object_object_add(config, SB_KEY("deploy-key-id"),
			       json_object_new_string(id));
	ret = patch_instance(c, s->instance, config, NULL, err);
	if (ret == 0)
		ret = sb_creds_after_boot(c, s->instance, err);
	if (ret < 0)
		goto undo;
	old_id = parse_id(config_str(inst, SB_KEY("deploy-key-id")));
	if (old_id && old_id != new_id) {
		struct sb_error *e = NULL;

		if (sb_github_key_delete(gh, slug, old_id, &e) < 0 && left)
			*left = left_message(slug, old_id, e ? e->msg :
					     "unknown error");
		sb_error_free(e);
	}
	goto out;
undo:
	sb_github_key_delete(gh, slug, new_id, SB_IGNORE);
	sb_agent_stop(s->name);
	ret = -1;
out:
	sb_deploykey_free(key);
	sb_github_free(gh);
	sb_repo_release(&repo);
	return ret;
}

int
sb_creds_before_boot(struct sb_incus *c, const struct sb_sandbox *s,
		     struct sb_error **err)
{
	_cleanup_json_ json_object *inst = NULL;
	_cleanup_free_ char *dir = NULL;
	json_object *devs, *d, *config, *devices;
	const char *type, *source;

	if (!s->repo)
		return 0;
	if (sb_agent_share_prepare(s->name, err) < 0 ||
	    !(inst = get_instance(c, s->instance, err)) ||
	    !(dir = sb_agent_share_dir(s->name)))
		return -1;
	if (json_object_object_get_ex(inst, "devices", &devs) &&
	    json_object_object_get_ex(devs, SB_CREDS_DEVICE, &d) &&
	    (type = sb_json_str(d, "type")) && strcmp(type, "disk") == 0 &&
	    (source = sb_json_str(d, "source")) && strcmp(source, dir) == 0)
		return 0;
	/* A sandbox of the older scripts has no device, one of an earlier
	 * version a unix proxy (a forkproxy, and a second at every
	 * start): both get the shared directory. */
	config = json_object_new_object();
	json_object_object_add(config, "environment.SSH_AUTH_SOCK",
			       json_object_new_string(SB_CREDS_GUEST_SOCK));
	devices = json_object_new_object();
	json_object_object_add(devices, SB_CREDS_DEVICE, agent_device(s->name));
	if (patch_instance(c, s->instance, config, devices, err) < 0)
		return sb_error_prefix(err, "giving '%s' its agent directory",
				       s->name);
	return 0;
}

void
sb_creds_stop(const char *name)
{
	sb_agent_stop(name);
}

void
sb_creds_remove(const struct sb_sandbox *s, char **left)
{
	struct sb_error *e = NULL;
	struct sb_github *gh;
	struct sb_repo repo;
	char *slug;
	long long id;

	*left = NULL;
	sb_agent_stop(s->name);
	sb_agent_share_remove(s->name);
	id = parse_id(s->deploy_key_id);
	if (!id || !s->repo)
		return;
	if (sb_repo_parse(s->repo, &repo, &e) < 0) {
		*left = sb_text_fmt("deploy key %lld was not deleted: the repository "
			    "'%s' in user.sandbox.repo is not understood",
			    id, s->repo);
		sb_error_free(e);
		return;
	}
	slug = sb_repo_slug(&repo);
	sb_repo_release(&repo);
	if (!slug)
		return;
	gh = sb_github_open(&e);
	if (!gh || sb_github_key_delete(gh, slug, id, &e) < 0)
		*left = left_message(slug, id, e ? e->msg : "out of memory");
	sb_github_free(gh);
	sb_error_free(e);
	free(slug);
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
