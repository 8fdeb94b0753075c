/* Building several golden images side by side: each stack in a child
 * process with its own Incus connection, a stack only once its parent is
 * done.  Stack builds wait on the archive and the npm registry far more
 * than on the CPU, so this pays off even on two cores. */
#include "ops/golden.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "model/stack.h"
#include "sys/spawn.h"

struct build {
	struct sb_incus *c;
	const char *stack;
	const struct sb_golden_opts *o;
	int rebuild, p[2];
};

/* The child's half: its own connection, its error message back through
 * the pipe.  Exit 0: found, 10: built, 1: failed. */
static int
build(void *arg)
{
	struct build *b = arg;
	struct sb_error *e = NULL;
	struct sb_incus *cc = sb_incus_dup(b->c, &e);
	int built = 0;

	close(b->p[0]);
	if (cc &&
	    sb_golden_ensure(cc, b->stack, b->o, b->rebuild, &built, &e) == 0)
		return built ? 10 : 0;
	if (e && e->msg && write(b->p[1], e->msg, strlen(e->msg)) < 0)
		return 1;
	return 1;
}

/* One stack built in a child process. */
static pid_t
spawn_build(struct sb_incus *c, const char *stack,
	    const struct sb_golden_opts *o, int rebuild, int *rfd)
{
	struct build b = { c, stack, o, rebuild, { -1, -1 } };
	struct sb_spawn s = { .fn = build, .arg = &b };

	if (pipe2(b.p, O_CLOEXEC) < 0)
		return -1;
	if (sb_spawn_start(&s, SB_IGNORE) < 0)
		s.pid = -1;
	close(b.p[1]);
	if (s.pid < 0) {
		close(b.p[0]);
		return -1;
	}
	*rfd = b.p[0];
	return s.pid;
}

struct job {
	const char *stack, *parent;
	pid_t pid;
	int fd, state; /* 0 waiting, 1 running, 2 done, 3 failed */
};

static int
parent_done(const struct job *j, size_t n, const char *parent)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(j[i].stack, parent) == 0)
			return j[i].state;
	return 2; /* not asked for: sb_golden_ensure builds it if needed */
}

int
sb_golden_ensure_many(struct sb_incus *c, const char *const *stacks,
		      size_t n, const struct sb_golden_opts *o, int rebuild,
		      int jobs, int *built, struct sb_error **err)
{
	struct job *j = calloc(n ? n : 1, sizeof(*j));
	struct sb_stack *st = calloc(n ? n : 1, sizeof(*st));
	struct sb_buf failed = { 0 };
	size_t left = n;
	int running = 0, ret = 0;

	*built = 0;
	if (!j || !st) {
		free(j);
		free(st);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		j[i].stack = stacks[i];
		j[i].fd = -1;
		if (sb_stack_find(stacks[i], &st[i], SB_IGNORE) == 0)
			j[i].parent = st[i].parent;
	}
	while (left) {
		int progressed = 0, status;
		pid_t pid;

		/* Start what waits on nothing unfinished, up to jobs at once:
		 * base alone first, then its children side by side. */
		for (size_t i = 0; i < n && running < jobs; i++) {
			int pd;

			if (j[i].state != 0)
				continue;
			pd = j[i].parent ? parent_done(j, n, j[i].parent) : 2;
			if (pd == 3) {
				j[i].state = 3;
				left--;
				sb_buf_appendf(&failed, "%s%s (its parent failed)",
					       failed.len ? ", " : "", j[i].stack);
				progressed = 1;
				continue;
			}
			if (pd != 2)
				continue;
			j[i].pid = spawn_build(c, j[i].stack, o, rebuild, &j[i].fd);
			if (j[i].pid < 0) {
				ret = sb_error_sys(err, "fork");
				goto out;
			}
			j[i].state = 1;
			running++;
			progressed = 1;
		}
		if (!running) {
			if (!progressed)
				break;
			continue;
		}
		status = sb_spawn_reap(-1, &pid);
		if (status < 0) {
			if (errno == EINTR)
				continue;
			ret = sb_error_sys(err, "waiting for a build");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			char msg[1024];
			ssize_t m;

			if (j[i].state != 1 || j[i].pid != pid)
				continue;
			running--;
			left--;
			if (status == 0 || status == 10) {
				j[i].state = 2;
				if (status == 10)
					*built = 1;
				else
					sb_report_note(o->progress,
						       "%s%s/ready: found",
						       sb_golden_prefix(),
						       j[i].stack);
			} else {
				j[i].state = 3;
				m = read(j[i].fd, msg, sizeof(msg) - 1);
				msg[m > 0 ? m : 0] = '\0';
				sb_buf_appendf(&failed, "%s%s: %s",
					       failed.len ? "; " : "",
					       j[i].stack, m > 0 ? msg :
					       "build failed");
			}
			close(j[i].fd);
			j[i].fd = -1;
		}
	}
	if (failed.len)
		ret = sb_error_set(err, SB_E_FAIL, "%s", failed.data);
out:
	for (size_t i = 0; i < n; i++) {
		if (j[i].state == 1) {
			kill(j[i].pid, SIGTERM);
			sb_spawn_reap(j[i].pid, NULL);
		}
		if (j[i].fd >= 0)
			close(j[i].fd);
		sb_stack_release(&st[i]);
	}
	free(j);
	free(st);
	sb_buf_release(&failed);
	return ret;
}
