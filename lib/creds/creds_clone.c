/* Git inside the sandbox: the way its SSH takes to github.com
 * (SANDBOX_GITHUB_SSH's ssh_config override) and the first clone of the
 * repository into the workspace, run as uid 1000 through the agent. */
#include "creds/creds.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/text.h"
#include "creds/creds_internal.h"
#include "incus/exec.h"
#include "incus/files.h"
#include "sys/knobs.h"

#define SSH_CONFIG_FILE "/etc/ssh/ssh_config.d/sandbox-github.conf"

/* git's stderr as one line, without the "Cloning into ..." chatter. */
static char *
git_message(const struct sb_buf *e)
{
	struct sb_buf b = { 0 };
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, *line;

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
clone_repo(const struct sb_creds *cr, struct sb_incus *c, const char *instance,
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
	_cleanup_buf_ struct sb_buf errout = { .max = 64 << 10 };
	_cleanup_free_ char *msg = NULL;
	int status = -1;

	if (!url || !br)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_exec_recorded(c, instance, argv, env, SB_USER_UID, SB_USER_GID,
			     SB_USER_HOME, NULL, 0, &status, NULL, &errout,
			     err) < 0)
		return sb_error_prefix(err, "cloning %s", cr->repo.ssh_url);
	if (status == 0)
		return 0;
	msg = git_message(&errout);
	return sb_error_set(err, SB_E_FAIL, "cloning %s into %s failed: %s",
			    cr->repo.ssh_url, SB_WORKSPACE,
			    msg ? msg : "out of memory");
}

/* SANDBOX_GITHUB_SSH=HOST[:PORT] sends git's SSH for github.com somewhere
 * else, keeping the name github.com for host keys: ssh.github.com:443 on
 * networks that block port 22, or a local server in tests.  It goes into
 * the system ssh_config so later pushes take the same way. */
static const char host_chars[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";

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
	if (!*host || strspn(host, host_chars) != strlen(host))
		return sb_error_set(err, SB_E_INPUT,
				    "SANDBOX_GITHUB_SSH '%s' is not HOST or "
				    "HOST:PORT",
				    v);
	text = sb_text_fmt("# Written by sandbox-start from "
			   "SANDBOX_GITHUB_SSH.\n"
			   "Host github.com\n  HostName %s\n  Port %ld\n"
			   "  HostKeyAlias github.com\n",
			   host, port);
	if (!text)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_file_mkdir(c, instance, "/etc/ssh/ssh_config.d", 0, 0, 0755,
			  err) < 0 ||
	    sb_file_push(c, instance, SSH_CONFIG_FILE, text, strlen(text), 0, 0,
			 0644, err) < 0)
		return sb_error_prefix(err, "writing %s", SSH_CONFIG_FILE);
	return 0;
}

int
sb_creds_clone(const struct sb_creds *cr, struct sb_incus *c,
	       const char *instance, struct sb_error **err)
{
	if (github_ssh_override(c, instance, err) < 0)
		return -1;
	return clone_repo(cr, c, instance, err);
}
