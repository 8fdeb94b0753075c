/* Env files, --env and the rendered profile, checked by sourcing the
 * rendered text in a real /bin/sh (and bash when present). */
#include "model/envfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "tap.h"
#include "testutil.h"

static void
good_files(void)
{
	static const struct {
		const char *text;
		const char *key, *value; /* one key checked per case */
		size_t n;
	} cases[] = {
		{ "A=1\n", "A", "1", 1 },
		{ "A=1", "A", "1", 1 },
		{ "export A=1\n", "A", "1", 1 },
		{ "export\tA=1\n", "A", "1", 1 },
		{ "export=1\n", "export", "1", 1 },
		{ "  A=1\n", "A", "1", 1 },
		{ "A=1\r\nB=2\r\n", "B", "2", 2 },
		{ "A=\n", "A", "", 1 },
		{ "A=''\n", "A", "", 1 },
		{ "A='x y'\n", "A", "x y", 1 },
		{ "A=\"x y\"\n", "A", "x y", 1 },
		{ "A=\"it's\"\n", "A", "it's", 1 },
		{ "A='say \"hi\"'\n", "A", "say \"hi\"", 1 },
		{ "A='x\n", "A", "'x", 1 },           /* unmatched: verbatim */
		{ "A='x\"\n", "A", "'x\"", 1 },
		{ "A=\"\n", "A", "\"", 1 },
		{ "A=''x''\n", "A", "'x'", 1 },       /* one pair only */
		{ "A=$HOME\n", "A", "$HOME", 1 },     /* no interpolation */
		{ "A=\"$(id)\"\n", "A", "$(id)", 1 },
		{ "A=a\\nb\n", "A", "a\\nb", 1 },     /* no escapes */
		{ "A=x=y=z\n", "A", "x=y=z", 1 },
		{ "A=x # not a comment\n", "A", "x # not a comment", 1 },
		{ "# c\n\n   \n\t# c2\nA=1\n", "A", "1", 1 },
		{ "A=1\nB=2\nA=3\n", "A", "3", 2 },   /* later wins */
		{ "_x9=ok\n", "_x9", "ok", 1 },
		{ "A=caf\xc3\xa9\n", "A", "caf\xc3\xa9", 1 },
		{ "", NULL, NULL, 0 },
		{ "\n\n", NULL, NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_env env = { 0 };
		_cleanup_error_ struct sb_error *err = NULL;
		int r = sb_env_parse(&env, cases[i].text,
				     strlen(cases[i].text), "f", &err);

		CHECK(r == 0, "case %zu parses: %s", i, err ? err->msg : "");
		CHECK(env.n == cases[i].n, "case %zu: %zu entries", i, env.n);
		if (cases[i].key)
			CHECK_STR(sb_env_get(&env, cases[i].key),
				  cases[i].value, "case %zu value", i);
		sb_env_release(&env);
	}
}

static void
order_kept(void)
{
	struct sb_env env = { 0 };
	const char *t = "B=1\nA=2\nC=3\nB=4\n";

	CHECK(sb_env_parse(&env, t, strlen(t), "f", NULL) == 0, "parses");
	CHECK(env.n == 3, "three keys");
	if (env.n == 3) {
		CHECK_STR(env.keys[0], "B", "first seen stays first");
		CHECK_STR(env.values[0], "4", "with the later value");
		CHECK_STR(env.keys[1], "A", "second");
		CHECK_STR(env.keys[2], "C", "third");
	}
	/* --env after the file replaces in place. */
	CHECK(sb_env_add_kv(&env, "A=from-flag", NULL) == 0, "add_kv");
	CHECK(env.n == 3 && strcmp(env.keys[1], "A") == 0, "same place");
	CHECK_STR(sb_env_get(&env, "A"), "from-flag", "replaced");
	CHECK(sb_env_add_kv(&env, "D=new", NULL) == 0, "add_kv new");
	CHECK(env.n == 4 && strcmp(env.keys[3], "D") == 0, "appended");
	sb_env_release(&env);
	CHECK(env.n == 0 && env.keys == NULL, "release empties");
}

static void
bad_files(void)
{
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		const char *want; /* in the message */
	} cases[] = {
		{ "A=1\nnovalue\n", 0, "f:2: 'novalue' is not KEY=VALUE" },
		{ "export A\n", 0, "f:1: 'A' is not KEY=VALUE" },
		{ "1A=x\n", 0, "f:1: invalid key '1A'" },
		{ "=x\n", 0, "f:1: invalid key ''" },
		{ "A B=x\n", 0, "invalid key 'A B'" },
		{ "A =x\n", 0, "invalid key 'A '" },
		{ "A-B=x\n", 0, "invalid key 'A-B'" },
		{ "\xc3\xa9=x\n", 0, "invalid key '\\xc3\\xa9'" },
		{ "A=1\n\nB=x\0y\n", 10, "f:3: line contains a NUL byte" },
		{ "A=1\r\nB\r\n", 0, "f:2: 'B' is not KEY=VALUE" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_env env = { 0 };
		_cleanup_error_ struct sb_error *err = NULL;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int r;

		/* Something already there must survive a failed parse. */
		sb_env_add_kv(&env, "KEEP=me", NULL);
		r = sb_env_parse(&env, cases[i].text, len, "f", &err);
		CHECK(r == -1, "case %zu refused", i);
		CHECK(err && strstr(err->msg, cases[i].want), "case %zu: %s",
		      i, err ? err->msg : "(no error)");
		CHECK(err && !strchr(err->msg, '\n'), "one line");
		CHECK(env.n == 1 && !sb_env_get(&env, "A"),
		      "case %zu: nothing partial kept", i);
		sb_env_release(&env);
	}
}

static void
long_lines(void)
{
	size_t n = SB_ENV_LINE_MAX;
	_cleanup_free_ char *t = malloc(n + 8);
	struct sb_env env = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;

	/* Exactly the limit passes; one byte more does not. */
	memcpy(t, "A=", 2);
	memset(t + 2, 'v', n - 2);
	t[n] = '\n';
	CHECK(sb_env_parse(&env, t, n + 1, "f", &err) == 0, "64 KiB line ok");
	CHECK(env.n == 1 && strlen(sb_env_get(&env, "A")) == n - 2, "all kept");
	sb_env_release(&env);
	memset(t + 2, 'v', n - 1);
	t[n + 1] = '\n';
	CHECK(sb_env_parse(&env, t, n + 2, "f", &err) == -1, "longer refused");
	CHECK(err && strstr(err->msg, "f:1: line is longer than 65536"),
	      "message: %s", err ? err->msg : "");
	CHECK(env.n == 0, "nothing kept");
}

static void
secrets_not_shown(void)
{
	struct sb_env env = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;
	const char *t = "sk-ant-0123456789abcdefghijklmnopqrstuvwxyzSECRET\n";

	CHECK(sb_env_parse(&env, t, strlen(t), "f", &err) == -1, "refused");
	CHECK(err && !strstr(err->msg, "SECRET"), "long line truncated: %s",
	      err ? err->msg : "");
	sb_env_release(&env);
}

static void
kv(void)
{
	static const struct { const char *kv, *key, *value; } good[] = {
		{ "A=1", "A", "1" },
		{ "A=", "A", "" },
		{ "A='q'", "A", "'q'" },             /* verbatim: quotes kept */
		{ "A=line1\nline2", "A", "line1\nline2" },
		{ "A=x=y", "A", "x=y" },
		{ "A=$(touch /tmp/x)", "A", "$(touch /tmp/x)" },
	};
	static const struct { const char *kv, *want; } bad[] = {
		{ "A", "invalid --env 'A': use KEY=VALUE" },
		{ "", "invalid --env '': use KEY=VALUE" },
		{ "=x", "invalid --env key ''" },
		{ "9=x", "invalid --env key '9'" },
		{ "A B=x", "invalid --env key 'A B'" },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sb_env env = { 0 };

		CHECK(sb_env_add_kv(&env, good[i].kv, NULL) == 0, "kv %zu", i);
		CHECK_STR(sb_env_get(&env, good[i].key), good[i].value,
			  "kv %zu value", i);
		sb_env_release(&env);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sb_env env = { 0 };
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_env_add_kv(&env, bad[i].kv, &err) == -1, "bad kv %zu", i);
		CHECK(err && strstr(err->msg, bad[i].want) &&
		      err->code == SB_E_USAGE, "bad kv %zu: %s", i,
		      err ? err->msg : "");
		CHECK(env.n == 0, "nothing added");
		sb_env_release(&env);
	}
}

/* Runs SHELL -c '. FILE; printf %s "$KEY"' and returns its stdout. */
static int
source_and_print(const char *shell, const char *file, const char *key,
		 struct sb_buf *out)
{
	int fds[2], status;
	char script[256], chunk[4096];
	pid_t pid;
	ssize_t n;

	snprintf(script, sizeof(script), ". %s; printf %%s \"$%s\"", file, key);
	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(shell, shell, "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
		sb_buf_append(out, chunk, (size_t)n);
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
round_trip(void)
{
	static const struct { const char *key, *value; } cases[] = {
		{ "SUBST", "$(touch /tmp/sandbox-envfile-pwned)" },
		{ "BACKTICK", "`touch /tmp/sandbox-envfile-pwned`" },
		{ "SINGLE", "it's 'quoted'" },
		{ "DOUBLE", "say \"hi\" \\\"" },
		{ "BOTH", "'\"'\"mixed\"'\"'" },
		{ "ONLYQUOTE", "'" },
		{ "SPACES", "  leading and trailing  " },
		{ "NEWLINES", "line1\nline2\n\nline4\n" },
		{ "DOLLAR", "$HOME ${PATH} $1 $$ $? \\$x" },
		/* Every payload is a harmless marker: if quoting ever breaks,
		 * the shell runs it, and the check at the end sees the file. */
		{ "SEMI", "a; touch /tmp/sandbox-envfile-pwned #; echo x | tr x y" },
		{ "BACKSLASH", "\\\\n\\t\\" },
		{ "GLOB", "* ? [a-z] ~" },
		{ "EMPTY", "" },
		{ "CTRL", "\x01\x02\t\x1b[31mred\r" },
		{ "HIGH", "caf\xc3\xa9 \xff\xfe" },
	};
	const char *shells[] = { "/bin/sh", "/bin/bash" };
	struct sb_env env = { 0 };
	char file[] = "/tmp/test-envfile-XXXXXX";
	_cleanup_free_ char *text = NULL;
	int fd;

	unlink("/tmp/sandbox-envfile-pwned");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *arg = NULL;

		CHECK(asprintf(&arg, "%s=%s", cases[i].key, cases[i].value) > 0,
		      "asprintf");
		CHECK(sb_env_add_kv(&env, arg, NULL) == 0, "add %s",
		      cases[i].key);
	}
	text = sb_env_render_profile(&env);
	CHECK(text != NULL, "rendered");
	if (!text)
		return;
	CHECK(strncmp(text, "# ", 2) == 0, "starts with a header comment");
	CHECK(strstr(text, "export SINGLE='it'\\''s '\\''quoted'\\'''\n"),
	      "single quotes escaped as '\\'': %s", text);
	fd = mkstemp(file);
	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
	close(fd);
	for (size_t s = 0; s < sizeof(shells) / sizeof(shells[0]); s++) {
		if (access(shells[s], X_OK) != 0)
			continue;
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct sb_buf out = { 0 };
			int r = source_and_print(shells[s], file, cases[i].key,
						 &out);
			size_t want = strlen(cases[i].value);

			CHECK(r == 0, "%s sources the profile", shells[s]);
			CHECK(out.len == want && (want == 0 ||
				memcmp(out.data, cases[i].value, want) == 0),
			      "%s: %s comes back byte for byte (got %zu bytes "
			      "'%s')", shells[s], cases[i].key, out.len,
			      out.data ? out.data : "");
			sb_buf_release(&out);
		}
	}
	CHECK(access("/tmp/sandbox-envfile-pwned", F_OK) != 0,
	      "nothing in a value was executed");
	unlink(file);
	sb_env_release(&env);
}

static void
render_empty_and_bad_key(void)
{
	struct sb_env env = { 0 };
	_cleanup_free_ char *text = sb_env_render_profile(&env);
	char *keys[] = { "OK", "BAD;touch /tmp/x" };
	char *values[] = { "1", "2" };
	struct sb_env forged = { keys, values, 2 };
	_cleanup_free_ char *t2 = sb_env_render_profile(&forged);

	CHECK(text && !strstr(text, "export"), "empty env: header only");
	CHECK(t2 && strstr(t2, "export OK='1'\n") && !strstr(t2, "BAD"),
	      "a forged bad key is never rendered");
}

static void
load_file(void)
{
	char dir[] = "/tmp/test-envfile-dir-XXXXXX";
	_cleanup_free_ char *path = NULL;
	struct sb_env env = { 0 };
	_cleanup_error_ struct sb_error *err = NULL;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	CHECK(asprintf(&path, "%s/env", dir) > 0, "asprintf");
	CHECK(sb_env_load_file(&env, path, 1, &err) == 0 && env.n == 0,
	      "missing file is fine when missing_ok");
	CHECK(sb_env_load_file(&env, path, 0, &err) == -1 && err &&
	      strstr(err->msg, path) && strstr(err->msg, "No such file"),
	      "missing file refused otherwise: %s", err ? err->msg : "");
	tu_write_file(dir, "env",
		      "# my env\nexport GH_HOST=example.com\nTOKEN='abc def'\n",
		      0644);
	CHECK(sb_env_load_file(&env, path, 0, &err) == 0, "loads");
	CHECK_STR(sb_env_get(&env, "TOKEN"), "abc def", "value");
	tu_write_file(dir, "env", "OK=1\nbroken line\n", 0644);
	sb_error_free(err);
	err = NULL;
	CHECK(sb_env_load_file(&env, path, 0, &err) == -1, "bad file refused");
	CHECK(err && strncmp(err->msg, path, strlen(path)) == 0 &&
	      strstr(err->msg, ":2: 'broken line' is not KEY=VALUE"),
	      "FILE:LINE: %s", err ? err->msg : "");
	CHECK(env.n == 2 && !sb_env_get(&env, "OK"), "nothing partial");
	unlink(path);
	rmdir(dir);
	sb_env_release(&env);
}

int
main(void)
{
	good_files();
	order_kept();
	bad_files();
	long_lines();
	secrets_not_shown();
	kv();
	round_trip();
	render_empty_and_bad_key();
	load_file();
	return tap_done();
}
