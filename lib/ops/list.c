/* sandbox-list: one REST call for every instance, then the health checks
 * of running sandboxes in parallel threads, each through the file API
 * (no process per column, no exec). */
#include "ops/list.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "creds/creds.h"
#include "net/egress.h"
#include "incus/files.h"
#include "incus/socket.h"
#include "model/gitmeta.h"
#include "sys/rootfs.h"
#include "ops/snapshot.h"
#include "creds/workspace.h"

#define MAX_THREADS 8

/* The cell of a check that could not be done: the sandbox did not answer
 * in time, or its files are not safe to read (DESIGN.md: one misbehaving
 * sandbox shows as unknown and never stops the others). */
#define UNKNOWN "?"

/* Where a sandbox's files are read from: its rootfs through a confined
 * descriptor when the host can reach it, else the Incus file API (with
 * its timeout). */
struct source {
	struct sb_incus *c;
	const char *inst;
	int rootfd; /* -1: use the file API */
};

/* 1 there, 0 not there, -1 cannot tell. */
static int
api_has(const struct source *src, const char *path)
{
	_cleanup_buf_ struct sb_buf b = { 0 };
	_cleanup_error_ struct sb_error *e = NULL;
	int r = sb_file_pull(src->c, src->inst, path, &b, 1 << 16, &e);

	if (r == 0)
		return 1;
	return e && e->code == SB_E_NOTFOUND ? 0 : -1;
}

static int
has_file(const struct source *src, const char *path)
{
	return src->rootfd >= 0 ? sb_rootfs_has(src->rootfd, path) :
	       api_has(src, path);
}

/* 0 read, 1 not there, -1 cannot tell. */
static int
api_read(const struct source *src, const char *path, size_t max,
	 struct sb_buf *b)
{
	_cleanup_error_ struct sb_error *e = NULL;

	if (sb_file_pull(src->c, src->inst, path, b, max, &e) == 0 &&
	    !b->overflow)
		return 0;
	sb_buf_release(b);
	return e && e->code == SB_E_NOTFOUND ? 1 : -1;
}

static int
workspace(const struct source *src, struct sb_list_row *r)
{
	_cleanup_buf_ struct sb_buf head = { 0 }, cfg = { 0 };
	int h, k;

	if (src->rootfd >= 0)
		return sb_workspace_read(src->rootfd, &r->slug, &r->branch);
	h = api_read(src, SB_WORKSPACE_HEAD, SB_GITMETA_HEAD_MAX, &head);
	k = h < 0 ? -1 : api_read(src, SB_WORKSPACE_CONFIG,
				  SB_GITMETA_CONFIG_MAX, &cfg);
	if (h >= 0 && k >= 0)
		sb_workspace_parse(h == 0 ? &head : NULL, k == 0 ? &cfg : NULL,
				   &r->slug, &r->branch);
	return h < 0 || k < 0 ? -1 : 0;
}


/* Each check reads the rootfs from the host when it can, and uses the
 * Incus file API only for what lives elsewhere (the container's /run,
 * a tmpfs the host cannot see). */
static void
check_one(struct sb_incus *c, const char *dir, struct sb_list_row *r)
{
	_cleanup_close_ int rootfd = sb_rootfs_open(dir, r->s->pool,
						    r->s->instance);
	struct source src = { c, r->s->instance, rootfd };
	int running, installed, claude;

	/* Asked of the host-side agent (up to 2 s when it hangs), so it runs
	 * in the workers with the rest rather than one sandbox at a time. */
	r->agent = sb_creds_agent_status(r->s->name);
	running = api_has(&src, "/run/docker.pid");
	installed = running == 1 ? 1 : has_file(&src, "/usr/bin/dockerd");
	r->docker = strdup(running == 1 ? "running" :
			   running < 0 || installed < 0 ? UNKNOWN :
			   installed ? "stopped" : "none");
	claude = has_file(&src, SB_USER_HOME "/.claude/.credentials.json");
	r->claude = strdup(claude < 0 ? UNKNOWN : claude ? "yes" : "no");
	if (workspace(&src, r) < 0) {
		free(r->slug);
		free(r->branch);
		r->branch = NULL;
		r->slug = strdup(UNKNOWN);
	}
}

struct worker {
	struct sb_incus *proto;
	const char *dir; /* the daemon's directory, for rootfs reads */
	struct sb_list_row *rows;
	size_t n;
	size_t next;
	pthread_mutex_t lock;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	_cleanup_incus_ struct sb_incus *c = sb_incus_dup(w->proto, SB_IGNORE);

	if (!c)
		return NULL;
	for (;;) {
		size_t i;

		pthread_mutex_lock(&w->lock);
		i = w->next++;
		pthread_mutex_unlock(&w->lock);
		if (i >= w->n)
			break;
		/* Stopped sandboxes have snapshots too. */
		w->rows[i].snapshots = sb_snapshot_count(c,
							 w->rows[i].s->instance);
		if (w->rows[i].s->running)
			check_one(c, w->dir, &w->rows[i]);
	}
	return NULL;
}

static int
cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct sb_list_row *)a)->s->name,
		      ((const struct sb_list_row *)b)->s->name);
}

int
sb_list(struct sb_incus *c, int health, struct sb_list_row **rows, size_t *n,
	struct sb_error **err)
{
	struct sb_sandbox **v;
	struct sb_list_row *r;
	size_t k;

	*rows = NULL;
	*n = 0;
	if (sb_sandbox_list(c, 0, &v, &k, err) < 0)
		return -1;
	r = calloc(k ? k : 1, sizeof(*r));
	if (!r) {
		sb_sandbox_list_free(v, k);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	{
		/* One listing of the table for every row: what the kernel
		 * enforces, not what the metadata asks for. */
		struct sb_egress_view ev = { 0 };

		sb_egress_view_load(&ev);
		for (size_t i = 0; i < k; i++) {
			r[i].s = v[i];
			r[i].egress = sb_egress_status(&ev, v[i]);
			r[i].snapshots = -1;
		}
		sb_egress_view_release(&ev);
	}
	free(v);
	if (health && k) {
		_cleanup_free_ char *dir = sb_incus_dir(c);
		struct worker w = { .proto = c, .dir = dir, .rows = r, .n = k,
				    .lock = PTHREAD_MUTEX_INITIALIZER };
		pthread_t t[MAX_THREADS];
		size_t nt = k < MAX_THREADS ? k : MAX_THREADS, started = 0;

		for (size_t i = 0; i < nt; i++)
			if (pthread_create(&t[started], NULL, work, &w) == 0)
				started++;
		if (!started)
			work(&w);
		for (size_t i = 0; i < started; i++)
			pthread_join(t[i], NULL);
	}
	qsort(r, k, sizeof(*r), cmp_rows);
	*rows = r;
	*n = k;
	return 0;
}

void
sb_list_free(struct sb_list_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_sandbox_free(rows[i].s);
		free(rows[i].docker);
		free(rows[i].claude);
		free(rows[i].branch);
		free(rows[i].slug);
	}
	free(rows);
}

static json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *
port_or_null(int p)
{
	return p ? json_object_new_int(p) : NULL;
}

json_object *
sb_list_json(const struct sb_list_row *rows, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		const struct sb_sandbox *s = rows[i].s;
		json_object *o = json_object_new_object();
		json_object *extra = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "instance",
				       json_object_new_string(s->instance));
		json_object_object_add(o, "state", json_object_new_string(s->status));
		json_object_object_add(o, "slot", port_or_null(s->slot));
		json_object_object_add(o, "stack", str_or_null(s->stack));
		json_object_object_add(o, "ssh_port", port_or_null(s->ssh_port));
		json_object_object_add(o, "app_port", port_or_null(s->app_port));
		json_object_object_add(o, "alt_port", port_or_null(s->alt_port));
		for (size_t p = 0; p < s->nports; p++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "host_port",
				json_object_new_int(s->ports[p].host_port));
			json_object_object_add(e, "container_port",
				json_object_new_int(s->ports[p].guest_port));
			json_object_object_add(e, "protocol",
				json_object_new_string(s->ports[p].proto == SB_UDP ?
						       "udp" : "tcp"));
			json_object_array_add(extra, e);
		}
		json_object_object_add(o, "extra_ports", extra);
		json_object_object_add(o, "egress", str_or_null(rows[i].egress));
		json_object_object_add(o, "docker", str_or_null(rows[i].docker));
		json_object_object_add(o, "agent", str_or_null(rows[i].agent));
		json_object_object_add(o, "claude", str_or_null(rows[i].claude));
		json_object_object_add(o, "repo", str_or_null(s->repo));
		json_object_object_add(o, "cache",
				       json_object_new_boolean(s->cache));
		json_object_object_add(o, "repo_slug", str_or_null(rows[i].slug));
		json_object_object_add(o, "snapshots", rows[i].snapshots >= 0 ?
				       json_object_new_int(rows[i].snapshots) :
				       NULL);
		json_object_object_add(o, "branch", str_or_null(
			rows[i].branch ? rows[i].branch : s->branch));
		json_object_array_add(arr, o);
	}
	return arr;
}
