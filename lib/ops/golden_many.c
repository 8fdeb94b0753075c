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
	struct sb_stack st;
	pid_t pid;
	int fd, state; /* 0 waiting, 1 running, 2 done, 3 failed */
};

/* The builds under way and what they came to. */
struct many {
	struct sb_incus *c;
	const struct sb_golden_opts *o;
	int rebuild, jobs, running, *built;
	struct job *j;
	size_t n, left;
	struct sb_buf failed;
};

static int
parent_done(const struct job *j, size_t n, const char *parent)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(j[i].stack, parent) == 0)
			return j[i].state;
	return 2; /* not asked for: sb_golden_ensure builds it if needed */
}

/* Starts what waits on nothing unfinished, up to jobs at once: base alone
 * first, then its children side by side.  *progressed says whether any
 * job started or failed with its parent. */
static int
start_ready(struct many *m, int *progressed, struct sb_error **err)
{
	struct job *j = m->j;

	for (size_t i = 0; i < m->n && m->running < m->jobs; i++) {
		int pd;

		if (j[i].state != 0)
			continue;
		pd = j[i].parent ? parent_done(j, m->n, j[i].parent) : 2;
		if (pd == 3) {
			j[i].state = 3;
			m->left--;
			sb_buf_appendf(&m->failed, "%s%s (its parent failed)",
				       m->failed.len ? ", " : "", j[i].stack);
			*progressed = 1;
			continue;
		}
		if (pd != 2)
			continue;
		j[i].pid = spawn_build(m->c, j[i].stack, m->o, m->rebuild,
				       &j[i].fd);
		if (j[i].pid < 0)
			return sb_error_sys(err, "fork");
		j[i].state = 1;
		m->running++;
		*progressed = 1;
	}
	return 0;
}

/* Records how the build in child pid ended: its exit status, and its
 * message when it failed. */
static void
finish(struct many *m, pid_t pid, int status)
{
	struct job *j = m->j;

	for (size_t i = 0; i < m->n; i++) {
		char msg[1024];
		ssize_t r;

		if (j[i].state != 1 || j[i].pid != pid)
			continue;
		m->running--;
		m->left--;
		if (status == 0 || status == 10) {
			j[i].state = 2;
			if (status == 10)
				*m->built = 1;
			else
				sb_report_note(m->o->progress,
					       "%s%s/ready: found",
					       sb_golden_prefix(), j[i].stack);
		} else {
			j[i].state = 3;
			r = read(j[i].fd, msg, sizeof(msg) - 1);
			msg[r > 0 ? r : 0] = '\0';
			sb_buf_appendf(&m->failed, "%s%s: %s",
				       m->failed.len ? "; " : "", j[i].stack,
				       r > 0 ? msg : "build failed");
		}
		close(j[i].fd);
		j[i].fd = -1;
	}
}

/* Runs the builds until every job is done or failed, or one cannot be
 * started or waited for. */
static int
run(struct many *m, struct sb_error **err)
{
	while (m->left) {
		int progressed = 0, status;
		pid_t pid;

		if (start_ready(m, &progressed, err) < 0)
			return -1;
		if (!m->running) {
			if (!progressed)
				break;
			continue;
		}
		status = sb_spawn_reap(-1, &pid);
		if (status < 0) {
			if (errno == EINTR)
				continue;
			return sb_error_sys(err, "waiting for a build");
		}
		finish(m, pid, status);
	}
	return 0;
}

int
sb_golden_ensure_many(struct sb_incus *c, const char *const *stacks, size_t n,
		      const struct sb_golden_opts *o, int rebuild, int jobs,
		      int *built, struct sb_error **err)
{
	struct many m = { .c = c,
			  .o = o,
			  .rebuild = rebuild,
			  .jobs = jobs,
			  .built = built,
			  .n = n,
			  .left = n };
	int ret;

	*built = 0;
	m.j = calloc(n ? n : 1, sizeof(*m.j));
	if (!m.j)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		m.j[i].stack = stacks[i];
		m.j[i].fd = -1;
		if (sb_stack_find(stacks[i], &m.j[i].st, SB_IGNORE) == 0)
			m.j[i].parent = m.j[i].st.parent;
	}
	ret = run(&m, err);
	if (ret == 0 && m.failed.len)
		ret = sb_error_set(err, SB_E_FAIL, "%s", m.failed.data);
	for (size_t i = 0; i < n; i++) {
		if (m.j[i].state == 1) {
			kill(m.j[i].pid, SIGTERM);
			sb_spawn_reap(m.j[i].pid, NULL);
		}
		if (m.j[i].fd >= 0)
			close(m.j[i].fd);
		sb_stack_release(&m.j[i].st);
	}
	free(m.j);
	sb_buf_release(&m.failed);
	return ret;
}
