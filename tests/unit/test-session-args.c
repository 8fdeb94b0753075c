/* The `sandbox` command line, the session's command and environment, the
 * ssh config block and identity choice, and tmux naming and quoting. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "ops/panes.h"
#include "ops/session.h"
#include "sys/invoker.h"
#include "ops/session_args.h"
#include "ops/session_ssh.h"
#include "tap.h"
#include "testutil.h"

/* Table rows leave trailing fields zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define MAXARGS 12

/* The parsed names point into argv, so the copy lives until args_done. */
struct argv_copy {
	char *v[MAXARGS + 1];
	int n;
};

static int
parse(const char *const src[MAXARGS], struct argv_copy *c,
      struct sb_session_args *a, struct sb_error **err)
{
	*c = (struct argv_copy){ 0 };
	while (src[c->n]) {
		c->v[c->n] = strdup(src[c->n]);
		c->n++;
	}
	return sb_session_parse_args(c->n, c->v, a, err);
}

static void
args_done(struct argv_copy *c, struct sb_session_args *a)
{
	sb_session_args_release(a);
	for (int k = 0; k < c->n; k++)
		free(c->v[k]);
}

static void
parse_ok(void)
{
	static const struct {
		const char *argv[MAXARGS];
		int mode;
		size_t nnames;
		const char *cmd;
		int parallel, ssh, help, version;
		const char *jump;
	} cases[] = {
		{ { "sandbox", "api" }, SB_SESSION_SHELL, 1 },
		{ { "sandbox", "api", "--claude" }, SB_SESSION_CLAUDE, 1 },
		{ { "sandbox", "--claude", "a", "b" }, SB_SESSION_CLAUDE, 2 },
		{ { "sandbox", "api", "--cmd", "git status" }, SB_SESSION_CMD, 1,
		  "git status" },
		{ { "sandbox", "a", "b", "c", "--cmd=ls -l" }, SB_SESSION_CMD, 3,
		  "ls -l" },
		{ { "sandbox", "--cmd", "x", "a", "b", "--parallel", "2" },
		  SB_SESSION_CMD, 2, "x", 2 },
		{ { "sandbox", "a", "--cmd", "x", "--parallel=64" },
		  SB_SESSION_CMD, 1, "x", 64 },
		{ { "sandbox", "api", "--ssh-config" }, SB_SESSION_SHELL, 1,
		  NULL, 0, 1 },
		{ { "sandbox", "api", "--ssh-config", "--jump", "me@server" },
		  SB_SESSION_SHELL, 1, NULL, 0, 1, 0, 0, "me@server" },
		{ { "sandbox", "--help" }, SB_SESSION_SHELL, 0, NULL, 0, 0, 1 },
		{ { "sandbox", "-h", "--bogus" }, SB_SESSION_SHELL, 0, NULL, 0, 0,
		  1 },
		{ { "sandbox", "--version" }, SB_SESSION_SHELL, 0, NULL, 0, 0, 0,
		  1 },
		/* "--" ends options: a command that starts with a dash. */
		{ { "sandbox", "--cmd", "-x", "--", "api" }, SB_SESSION_CMD, 1,
		  "-x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct argv_copy av;
		struct sb_session_args a;
		_cleanup_error_ struct sb_error *err = NULL;
		int r = parse(cases[i].argv, &av, &a, &err);

		CHECK(r == 0, "case %zu parses: %s", i, err ? err->msg : "");
		if (r == 0) {
			CHECK(a.mode == cases[i].mode, "case %zu mode", i);
			CHECK(a.nnames == cases[i].nnames, "case %zu: %zu names",
			      i, a.nnames);
			CHECK_STR(a.cmd, cases[i].cmd, "case %zu cmd", i);
			CHECK(a.parallel == cases[i].parallel, "case %zu par", i);
			CHECK(a.ssh_config == cases[i].ssh, "case %zu ssh", i);
			CHECK(a.help == cases[i].help, "case %zu help", i);
			CHECK(a.version == cases[i].version, "case %zu ver", i);
			CHECK_STR(a.jump, cases[i].jump, "case %zu jump", i);
			if (a.nnames)
				CHECK(a.names[a.nnames] == NULL,
				      "case %zu: names end with NULL", i);
		}
		if (i == 2 && r == 0)
			CHECK(strcmp(a.names[0], "a") == 0 &&
			      strcmp(a.names[1], "b") == 0, "names in order");
		args_done(&av, &a);
	}
}

static void
parse_bad(void)
{
	static const struct {
		const char *argv[MAXARGS];
		const char *says;
	} cases[] = {
		{ { "sandbox" }, "no sandbox named" },
		{ { "sandbox", "--claude" }, "no sandbox named" },
		{ { "sandbox", "a", "--claude", "--cmd", "x" }, "exclude" },
		{ { "sandbox", "a", "--jump", "h" }, "--ssh-config" },
		{ { "sandbox", "a", "--ssh-config", "--claude" }, "--ssh-config" },
		{ { "sandbox", "a", "--ssh-config", "--cmd", "x" },
		  "--ssh-config" },
		{ { "sandbox", "a", "--parallel", "2" }, "--cmd" },
		{ { "sandbox", "a", "--cmd", "x", "--parallel", "0" }, "0" },
		{ { "sandbox", "a", "--cmd", "x", "--parallel", "65" }, "65" },
		{ { "sandbox", "a", "--cmd", "x", "--parallel", "two" }, "two" },
		{ { "sandbox", "a_b" }, "a_b" },
		{ { "sandbox", "-x" }, "-x" },
		{ { "sandbox", "a", "a" }, "named twice" },
		{ { "sandbox", "a", "--bogus" }, "--bogus" },
		{ { "sandbox", "a", "--cmd" }, "needs a value" },
		{ { "sandbox", "a", "--cmd", "" }, "needs a command" },
		{ { "sandbox", "a", "--cmd", "x", "--cmd", "y" }, "twice" },
		{ { "sandbox", "a", "--ssh-config", "--jump", "" }, "host" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct argv_copy av;
		struct sb_session_args a;
		_cleanup_error_ struct sb_error *err = NULL;
		int r = parse(cases[i].argv, &av, &a, &err);

		CHECK(r == -1 && err && err->code == SB_E_USAGE,
		      "bad case %zu is a usage error", i);
		if (err)
			CHECK(strstr(err->msg, cases[i].says) != NULL,
			      "bad case %zu says '%s': %s", i, cases[i].says,
			      err->msg);
		args_done(&av, &a);
	}
}

static int
has_env(const char *const *env, const char *kv)
{
	for (; env && *env; env++)
		if (strcmp(*env, kv) == 0)
			return 1;
	return 0;
}

static void
prepare(void)
{
	struct sb_session_cmd sc;
	struct sb_exec_spec spec = { 0 };

	setenv("TERM", "screen-256color", 1);
	unsetenv("LANG");
	/* On a terminal root hands the pty over, then drops to 1000 with
	 * its groups. */
	spec.interactive = 1;
	sb_session_prepare(&sc, SB_SESSION_SHELL, NULL, &spec);
	CHECK_STR(spec.argv[0], "/bin/sh", "wrapper");
	CHECK(strstr(spec.argv[2], "setpriv --reuid=1000 --regid=1000 "
		     "--init-groups") != NULL, "setpriv with groups");
	CHECK_STR(spec.argv[4], "bash", "shell argv0");
	CHECK_STR(spec.argv[5], "--login", "login shell");
	CHECK(spec.argv[6] == NULL, "shell has no -c");
	CHECK(spec.uid == 0 && spec.gid == 0, "exec as root, then setpriv");
	sb_session_cmd_release(&sc);
	/* Without one, setpriv directly. */
	spec.interactive = 0;
	sb_session_prepare(&sc, SB_SESSION_SHELL, NULL, &spec);
	CHECK_STR(spec.argv[0], "setpriv", "no wrapper without a pty");
	CHECK_STR(spec.argv[3], "--init-groups", "groups");
	CHECK_STR(spec.argv[5], "bash", "shell argv0");
	CHECK(spec.argv[7] == NULL, "shell has no -c");
	CHECK_STR(spec.cwd, "/workspace/project", "cwd");
	CHECK(has_env(spec.env, "HOME=/home/ubuntu"), "HOME");
	CHECK(has_env(spec.env, "USER=ubuntu"), "USER");
	CHECK(has_env(spec.env, "TERM=screen-256color"), "TERM from host");
	CHECK(has_env(spec.env, "SSH_AUTH_SOCK=/run/ssh-agent.sock"),
	      "agent socket");
	CHECK(has_env(spec.env, "LANG=C.UTF-8"), "LANG default");
	sb_session_cmd_release(&sc);

	setenv("LANG", "de_DE.UTF-8", 1);
	sb_session_prepare(&sc, SB_SESSION_CLAUDE, NULL, &spec);
	CHECK_STR(spec.argv[7], "-c", "claude -c");
	CHECK_STR(spec.argv[8], "claude --dangerously-skip-permissions",
		  "claude command");
	CHECK(has_env(spec.env, "LANG=de_DE.UTF-8"), "LANG from host");
	sb_session_cmd_release(&sc);

	sb_session_prepare(&sc, SB_SESSION_CMD, "git status", &spec);
	CHECK_STR(spec.argv[8], "git status", "--cmd command");
	CHECK(spec.argv[9] == NULL, "argv ends");
	sb_session_cmd_release(&sc);
}

static void
ssh_config(void)
{
	struct sb_sandbox s = { .name = "api", .slot = 3, .ssh_port = 2203 };
	_cleanup_error_ struct sb_error *err = NULL;
	char *t;

	t = sb_session_ssh_config(&s, "/home/me/.ssh/id_ed25519", NULL, &err);
	CHECK_STR(t, "Host sandbox-api\n  HostName localhost\n  Port 2203\n"
		  "  User ubuntu\n  IdentityFile /home/me/.ssh/id_ed25519\n",
		  "ssh config block");
	free(t);
	t = sb_session_ssh_config(&s, NULL, "me@server", &err);
	CHECK_STR(t, "Host sandbox-api\n  HostName localhost\n  Port 2203\n"
		  "  User ubuntu\n  ProxyJump me@server\n",
		  "with --jump, no identity");
	free(t);
	s.ssh_port = 0;
	t = sb_session_ssh_config(&s, NULL, NULL, &err);
	CHECK(t && strstr(t, "Port 2203\n"), "port from the slot");
	free(t);
	s.slot = 0;
	t = sb_session_ssh_config(&s, NULL, NULL, &err);
	CHECK(!t && err && strstr(err->msg, "api"), "no port: error");
	free(t);
}

static void
touch(const char *dir, const char *name)
{
	char rel[64];

	snprintf(rel, sizeof(rel), ".ssh/%s", name);
	tu_write_file(dir, rel, "", 0644);
}

/* sb_session_identity(dir) is dir/.ssh/key, or NULL when key is. */
static void
identity_is(const char *dir, const char *key, const char *what)
{
	char want[600];
	char *id = sb_session_identity(dir);

	snprintf(want, sizeof(want), "%s/.ssh/%s", dir, key ? key : "");
	CHECK_STR(id, key ? want : NULL, "%s", what);
	free(id);
}

static void
identity(void)
{
	char dir[] = "/tmp/test-session-XXXXXX";
	char ssh[600];

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(ssh, sizeof(ssh), "%s/.ssh", dir);
	mkdir(ssh, 0700);
	identity_is(dir, NULL, "no key: none");
	touch(dir, "id_ecdsa"); /* no .pub: skipped */
	touch(dir, "id_rsa");
	touch(dir, "id_rsa.pub");
	identity_is(dir, "id_rsa", "first key with a .pub");
	touch(dir, "id_ed25519");
	touch(dir, "id_ed25519.pub");
	identity_is(dir, "id_ed25519", "ed25519 first");
	CHECK(sb_session_identity(NULL) == NULL, "no home");
	for (const char *const *n = (const char *const[]){ "id_ecdsa",
		     "id_rsa", "id_rsa.pub", "id_ed25519", "id_ed25519.pub",
		     NULL }; *n; n++) {
		char p[700];

		snprintf(p, sizeof(p), "%s/%s", ssh, *n);
		unlink(p);
	}
	rmdir(ssh);
	rmdir(dir);
}

static void
home(void)
{
	char *h;

	unsetenv("SUDO_USER");
	setenv("HOME", "/home/someone", 1);
	h = sb_invoker_home();
	CHECK_STR(h, "/home/someone", "HOME without sudo");
	free(h);
	if (geteuid() == 0) {
		setenv("SUDO_USER", "root", 1);
		h = sb_invoker_home();
		CHECK_STR(h, "/home/someone", "SUDO_USER=root is ignored");
		free(h);
		setenv("SUDO_USER", "nobody", 1);
		h = sb_invoker_home();
		CHECK(h && strcmp(h, "/home/someone") != 0,
		      "under sudo: SUDO_USER's home (%s)", h ? h : "");
		free(h);
		unsetenv("SUDO_USER");
	}
}

static void
tmux_names(void)
{
	char *names[] = { "a", "b-c", "d" };
	char *names2[] = { "a-b", "c", "d" };
	char *s = sb_panes_session(names, 3), *t = sb_panes_session(names2, 3);
	char *cmd;

	CHECK_STR(s, "sandbox-a_b-c_d", "session name");
	CHECK(s && t && strcmp(s, t) != 0, "different sets, different names");
	free(s);
	free(t);
	cmd = sb_panes_pane_command("/opt/it's/sandbox", "api", "--claude");
	CHECK_STR(cmd, "'/opt/it'\\''s/sandbox' 'api' '--claude'",
		  "pane command quoting");
	free(cmd);
	cmd = sb_panes_pane_command("/usr/bin/sandbox", "api", NULL);
	CHECK_STR(cmd, "'/usr/bin/sandbox' 'api'", "pane command");
	free(cmd);
}

int
main(void)
{
	parse_ok();
	parse_bad();
	prepare();
	ssh_config();
	identity();
	home();
	tmux_names();
	return tap_done();
}
