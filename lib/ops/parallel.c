/* One command in several sandboxes at once (see parallel.h). */
#include "ops/parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "incus/exec_ws.h"
#include "model/sandbox.h"
#include "ops/session.h"

struct job {
	const char *name;
	int status;
	int fd;
	struct sb_error *err;
	int done;
};

struct run {
	struct sb_incus *c;
	const char *cmd;
	struct job *jobs;
	size_t n, next;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void
run_one(struct sb_incus *c, const char *cmd, struct job *j)
{
	struct sb_session_cmd sc;
	struct sb_exec_spec spec = SB_EXEC_SPEC_INIT;
	_cleanup_sandbox_ struct sb_sandbox *s = NULL;

	j->status = 1;
	j->fd = memfd_create("sandbox-output", MFD_CLOEXEC);
	if (j->fd < 0) {
		sb_error_sys(&j->err, "creating an output buffer");
		return;
	}
	if (!c)
		return; /* the worker's connection failed; err is set */
	if (!(s = sb_session_running(c, j->name, &j->err)))
		return;
	sb_session_prepare(&sc, SB_SESSION_CMD, cmd, &spec);
	spec.fd_out = spec.fd_err = j->fd;
	if (sb_exec_stream(c, s->instance, &spec, &j->status, &j->err) < 0)
		j->status = 1;
	sb_session_cmd_release(&sc);
}

static void *
worker(void *arg)
{
	struct run *r = arg;
	_cleanup_error_ struct sb_error *cerr = NULL;
	_cleanup_incus_ struct sb_incus *c = sb_incus_dup(r->c, &cerr);

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&r->mu);
		j = r->next < r->n ? &r->jobs[r->next++] : NULL;
		pthread_mutex_unlock(&r->mu);
		if (!j)
			break;
		if (!c && cerr)
			sb_error_set(&j->err, cerr->code, "%s", cerr->msg);
		run_one(c, r->cmd, j);
		pthread_mutex_lock(&r->mu);
		j->done = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

int
sb_parallel_run(struct sb_incus *c, char *const *names, size_t n,
		const char *cmd, int parallel, sb_parallel_done_fn done,
		void *ud, int *worst, struct sb_error **err)
{
	struct run r = { .c = c, .cmd = cmd, .n = n };
	size_t nt = parallel > 0 && (size_t)parallel < n ? (size_t)parallel : n;
	pthread_t *th;
	size_t started = 0;

	*worst = 0;
	r.jobs = calloc(n, sizeof(*r.jobs));
	th = calloc(nt ? nt : 1, sizeof(*th));
	if (!r.jobs || !th) {
		free(r.jobs);
		free(th);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		r.jobs[i].name = names[i];
		r.jobs[i].fd = -1;
	}
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	for (size_t i = 0; i < nt; i++)
		if (pthread_create(&th[started], NULL, worker, &r) == 0)
			started++;
	if (!started) {
		sb_error_set(err, SB_E_SYSTEM, "cannot start threads");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct job *j = &r.jobs[i];
		struct sb_parallel_result res;

		pthread_mutex_lock(&r.mu);
		while (!j->done)
			pthread_cond_wait(&r.cv, &r.mu);
		pthread_mutex_unlock(&r.mu);
		if (j->fd >= 0)
			lseek(j->fd, 0, SEEK_SET);
		res = (struct sb_parallel_result){ j->name, j->status, j->fd,
						   j->err };
		done(ud, i, &res);
		if (j->status > *worst)
			*worst = j->status;
	}
out:
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < n; i++) {
		if (r.jobs[i].fd >= 0)
			close(r.jobs[i].fd);
		sb_error_free(r.jobs[i].err);
	}
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	free(r.jobs);
	free(th);
	return started ? 0 : -1;
}
