/* The one process-spawning helper: exit statuses, stdin fed from memory
 * and both outputs captured, an exec failure, a time limit, descriptors
 * closed but those kept, an explicit environment, and a function run in
 * a child. */
#include "sys/spawn.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct {
	const char *script;
	int status;
	const char *out, *err;
} runs[] = {
	{ "exit 0", 0, "", "" },
	{ "exit 3", 3, "", "" },
	{ "exit 255", 255, "", "" },
	{ "kill -TERM $$", 128 + 15, "", "" },
	{ "echo out; echo err >&2", 0, "out\n", "err\n" },
	{ "exit 127", 127, "", "sh: command not found" },
	{ "cat; cat >&2", 0, "fed", "" },
};

static void
statuses(void)
{
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		const char *argv[] = { "sh", "-c", runs[i].script, NULL };
		struct sb_buf out = { 0 }, err = { 0 };
		struct sb_error *e = NULL;
		const char *in = i == 6 ? "fed" : NULL;
		int r = sb_spawn_cmd(argv, in, in ? 3 : 0, &out, &err, &e);

		CHECK(r == runs[i].status, "%s: %d", runs[i].script, r);
		CHECK_STR(out.data ? out.data : "", runs[i].out, "%s stdout",
			  runs[i].script);
		CHECK_STR(err.data ? err.data : "", runs[i].err, "%s stderr",
			  runs[i].script);
		sb_buf_release(&out);
		sb_buf_release(&err);
		sb_error_free(e);
	}
}

static void
not_found(void)
{
	const char *argv[] = { "sb-no-such-program", NULL };
	struct sb_buf err = { 0 };
	struct sb_error *e = NULL;
	struct sb_spawn s = { .argv = argv, .envp = environ };

	CHECK(sb_spawn_cmd(argv, NULL, 0, NULL, &err, &e) == 127, "127");
	CHECK_STR(err.data, "sb-no-such-program: command not found",
		  "the message");
	CHECK(sb_spawn_start(&s, &e) < 0 && s.exec_errno == ENOENT && e &&
		      e->sys_errno == ENOENT,
	      "start reports the exec's errno");
	sb_buf_release(&err);
	sb_error_free(e);
}

/* More than a pipe holds each way, so one stalled pipe would hang. */
static void
big(void)
{
	size_t n = 1 << 20;
	char *data = malloc(n);
	const char *argv[] = { "sh", "-c", "tee /dev/stderr", NULL };
	struct sb_buf out = { 0 }, err = { 0 };
	struct sb_error *e = NULL;

	memset(data, 'x', n);
	CHECK(sb_spawn_cmd(argv, data, n, &out, &err, &e) == 0, "tee");
	CHECK(out.len == n && err.len == n, "%zu %zu", out.len, err.len);
	free(data);
	sb_buf_release(&out);
	sb_buf_release(&err);
	sb_error_free(e);
}

static void
limits(void)
{
	const char *sleep_argv[] = { "sleep", "10", NULL };
	char script[128];
	const char *fds_argv[] = { "sh", "-c", script, NULL };
	const char *env_argv[] = { "sh", "-c", "echo \"$A$B\"", NULL };
	char *const env[] = { "A=1", NULL };
	struct sb_buf out = { 0 };
	struct sb_error *e = NULL;
	int open_fd = open("/dev/null", O_RDONLY), kept = dup(open_fd);
	struct sb_spawn s = { .argv = sleep_argv,
			      .envp = environ,
			      .timeout_ms = 100 };

	CHECK(sb_spawn_run(&s, &e) < 0 && s.timed_out, "killed in time");
	snprintf(script, sizeof(script),
		 "[ -e /dev/fd/%d ] && "
		 "! [ -e /dev/fd/%d ]",
		 kept, open_fd);
	s = (struct sb_spawn){ .argv = fds_argv,
			       .envp = environ,
			       .keep = &kept,
			       .nkeep = 1 };
	CHECK(sb_spawn_run(&s, &e) == 0, "only the kept descriptor");
	setenv("B", "2", 1);
	s = (struct sb_spawn){ .argv = env_argv,
			       .envp = env,
			       .out = { .how = SB_SPAWN_CAPTURE,
					.buf = &out } };
	CHECK(sb_spawn_run(&s, &e) == 0, "env");
	CHECK_STR(out.data, "1\n", "only the given environment");
	close(open_fd);
	close(kept);
	sb_buf_release(&out);
	sb_error_free(e);
}

static int
in_child(void *arg)
{
	return *(int *)arg + 1;
}

static void
function(void)
{
	int v = 41;
	struct sb_spawn s = { .fn = in_child, .arg = &v };
	struct sb_error *e = NULL;
	pid_t got = 0;

	CHECK(sb_spawn_start(&s, &e) == 0, "fork");
	CHECK(sb_spawn_reap(-1, &got) == 42 && got == s.pid, "its status");
	sb_error_free(e);
}

int
main(void)
{
	statuses();
	not_found();
	big();
	limits();
	function();
	return tap_done();
}
