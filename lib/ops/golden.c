#include "ops/golden.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/aptsrc.h"
#include "core/cleanup.h"
#include "incus/exec.h"
#include "incus/files.h"
#include "sys/knobs.h"
#include "sys/clock.h"
#include "sys/fileio.h"
#include "sys/paths.h"
#include "sys/signals.h"
#include "sys/spawn.h"
#include "incus/instance.h"
#include "model/sandbox.h"
#include "ops/setup.h"
#include "model/stack.h"
#include "core/text.h"

#define BUILD_DIR SB_STATE_DIR "/build"

const char *
sb_golden_log_path(const char *stack)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), SB_LOG_DIR "/%s%s.log", sb_golden_prefix(),
		 stack);
	return p;
}

const char *
sb_golden_prefix(void)
{
	const char *p = sb_knobs_get()->golden_prefix;
	size_t n;

	/* Only a short label, so that prefix + stack stays an instance name
	 * and the stack-name rule (sb_stack_check) still holds. */
	if (!p || !(n = strlen(p)) || n > strlen(SB_GOLDEN_PREFIX) ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
	    p[0] == '-')
		return SB_GOLDEN_PREFIX;
	return p;
}

static char *
golden_name(const char *stack)
{
	return sb_text_fmt("%s%s", sb_golden_prefix(), stack);
}

int
sb_golden_ready(struct sb_incus *c, const char *stack, struct sb_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_json_ json_object *m = NULL;

	if (asprintf(&path, "/1.0/instances/%s%s/snapshots/ready",
		     sb_golden_prefix(), stack) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	m = sb_incus_get(c, path, NULL, &e);
	if (m)
		return 1;
	if (sb_error_is(e, SB_E_NOTFOUND))
		return 0;
	return sb_error_pass(err, &e);
}

char **
sb_golden_stacks(size_t *n, struct sb_error **err)
{
	struct sb_stack *v = sb_stack_list(n, err);
	char **names;

	if (!v)
		return NULL;
	names = calloc(*n + 1, sizeof(*names));
	for (size_t i = 0; names && i < *n; i++)
		names[i] = TAKE_PTR(v[i].name);
	sb_stack_list_free(v, *n);
	if (!names)
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return names;
}

int
sb_golden_stack_known(const char *stack, struct sb_error **err)
{
	if (sb_stack_check_chain(stack, err) < 0) {
		if (err && *err && (*err)->code == SB_E_NOTFOUND)
			(*err)->code = SB_E_INPUT;
		return -1;
	}
	return 1;
}

/* Runs argv with stdout and stderr appended to the log. */
static int
run_logged(const char *const *argv, int logfd, struct sb_error **err)
{
	struct sb_spawn s = {
		.argv = argv,
		.envp = environ,
		.in = { .how = SB_SPAWN_NULL },
		.out = { .how = SB_SPAWN_FD, .fd = logfd },
		.err = { .how = SB_SPAWN_FD, .fd = logfd },
	};
	_cleanup_error_ struct sb_error *e = NULL;
	int st = sb_spawn_run(&s, &e);

	if (st < 0 && s.exec_errno)
		st = 127;
	else if (st < 0)
		return sb_error_pass(err, &e);
	if (st != 0)
		return sb_error_set(err, SB_E_FAIL, "%s failed (exit %d)",
				    argv[0], st);
	return 0;
}

static int
open_log(const char *stack, int append, struct sb_error **err)
{
	const char *path = sb_golden_log_path(stack);
	int fd;

	if (sb_paths_mkdirs(SB_LOG_DIR, 0755, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
		  (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0)
		return sb_error_sys(err, "opening %s", path);
	return fd;
}

static int
host_codename(char *out, size_t n, struct sb_error **err)
{
	struct sb_buf b = { 0 };
	const char *p;
	size_t l;

	if (sb_fileio_read("/etc/os-release", 65536, &b, err) < 0)
		return -1;
	p = strstr(b.data, "VERSION_CODENAME=");
	if (!p) {
		sb_buf_release(&b);
		return sb_error_set(err, SB_E_FAIL,
			"/etc/os-release names no VERSION_CODENAME: pass "
			"--base images:ALIAS");
	}
	p += strlen("VERSION_CODENAME=");
	l = strcspn(p, "\n\"");
	snprintf(out, n, "%.*s", (int)l, p);
	sb_buf_release(&b);
	return 0;
}

static int
write_text(const char *dir, const char *name, const char *text,
	   struct sb_error **err)
{
	_cleanup_free_ char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return sb_fileio_write(p, text, strlen(text), 0644, err);
}

/* Makes the debootstrapped tree an Incus unified image: metadata.yaml,
 * templates for the per-copy host name, and a DHCP client on eth0. */
static int
shape_image(const char *work, const char *codename, struct sb_error **err)
{
	_cleanup_free_ char *meta = NULL, *rootfs = NULL, *tpl = NULL;
	char etc[PATH_MAX];

	if (asprintf(&meta,
		     "architecture: x86_64\n"
		     "creation_date: %ld\n"
		     "properties:\n"
		     "  description: sandbox base (debootstrap %s)\n"
		     "  os: debian\n"
		     "  release: %s\n"
		     "templates:\n"
		     "  /etc/hostname:\n"
		     "    when: [create, copy]\n"
		     "    template: hostname.tpl\n"
		     "  /etc/hosts:\n"
		     "    when: [create, copy]\n"
		     "    template: hosts.tpl\n",
		     (long)time(NULL), codename, codename) < 0 ||
	    asprintf(&rootfs, "%s/rootfs", work) < 0 ||
	    asprintf(&tpl, "%s/templates", work) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (write_text(work, "metadata.yaml", meta, err) < 0 ||
	    sb_paths_mkdirs(tpl, 0755, err) < 0 ||
	    write_text(tpl, "hostname.tpl", "{{ instance.name }}\n", err) < 0 ||
	    write_text(tpl, "hosts.tpl",
		       "127.0.0.1 localhost\n"
		       "127.0.1.1 {{ instance.name }}\n"
		       "::1 localhost ip6-localhost ip6-loopback\n",
		       err) < 0)
		return -1;
	snprintf(etc, sizeof(etc), "%s/etc/network", rootfs);
	if (sb_paths_mkdirs(etc, 0755, err) < 0 ||
	    write_text(etc, "interfaces",
		       "auto lo\niface lo inet loopback\n\n"
		       "auto eth0\niface eth0 inet dhcp\n",
		       err) < 0)
		return -1;
	return 0;
}

static int
upload_image(struct sb_incus *c, const char *tarball, const char *alias,
	     struct sb_error **err)
{
	_cleanup_fclose_ FILE *f = fopen(tarball, "rb");
	struct sb_buf out = { 0 };
	struct sb_incus_raw r = { .method = "POST", .path = "/1.0/images",
				  .content_type = "application/octet-stream",
				  .out = &out };
	_cleanup_json_ json_object *env = NULL, *res = NULL, *ab = NULL;
	_cleanup_json_ json_object *ar = NULL;
	json_object *op, *fp;
	struct stat st;

	if (!f || fstat(fileno(f), &st) < 0)
		return sb_error_sys(err, "opening %s", tarball);
	r.upload = f;
	r.upload_len = st.st_size;
	if (sb_incus_raw(c, &r, err) < 0) {
		sb_buf_release(&out);
		return sb_error_prefix(err, "importing the base image");
	}
	env = json_tokener_parse(out.data ? out.data : "");
	sb_buf_release(&out);
	if (!env || !json_object_object_get_ex(env, "operation", &op))
		return sb_error_set(err, SB_E_DAEMON,
				    "importing the base image: no operation");
	res = sb_incus_wait(c, json_object_get_string(op), -1, err);
	if (!res)
		return sb_error_prefix(err, "importing the base image");
	if (!json_object_object_get_ex(res, "fingerprint", &fp))
		return sb_error_set(err, SB_E_DAEMON,
				    "importing the base image: no fingerprint");
	ab = json_object_new_object();
	json_object_object_add(ab, "name", json_object_new_string(alias));
	json_object_object_add(ab, "target", json_object_get(fp));
	json_object_object_add(ab, "description", json_object_new_string(
		"sandbox: debootstrapped base for golden-base"));
	ar = sb_incus_call(c, "POST", "/1.0/images/aliases", ab, NULL, err);
	return ar ? 0 : sb_error_prefix(err, "naming the base image %s", alias);
}

/* The mirror to debootstrap release from: --mirror, else the host's
 * source for that suite, else the host's source for its own release
 * (one archive serves every suite, so a Debian 12 host's mirror gives
 * trixie too; no host name is ever written here). */
static char *
pick_mirror(const struct sb_golden_opts *o, const char *release,
	    struct sb_error **err)
{
	_cleanup_error_ struct sb_error *e = NULL;
	char host[64];
	char *m;

	if (o->mirror)
		return strdup(o->mirror);
	if ((m = sb_aptsrc_mirror(release, &e)))
		return m;
	if (e->code != SB_E_NOTFOUND || host_codename(host, sizeof(host),
						      SB_IGNORE) < 0) {
		sb_error_pass(err, &e);
		return NULL;
	}
	return sb_aptsrc_mirror(host, err);
}

/* Debootstraps the release and imports it once; later builds reuse the
 * image under its alias. */
static int
ensure_base_image(struct sb_incus *c, const struct sb_golden_opts *o,
		  char *alias, size_t alias_n, struct sb_error **err)
{
	const struct sb_progress *pr = o->progress;
	const char *codename = sb_golden_release(o);
	_cleanup_free_ char *path = NULL, *mirror = NULL, *work = NULL;
	_cleanup_free_ char *rootfs = NULL, *tarball = NULL;
	_cleanup_json_ json_object *m = NULL;
	_cleanup_error_ struct sb_error *e = NULL;
	_cleanup_close_ int log = -1;
	int ret = -1;

	snprintf(alias, alias_n, "sandbox-debian-%s", codename);
	if (asprintf(&path, "/1.0/images/aliases/%s", alias) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	m = sb_incus_get(c, path, NULL, &e);
	if (m)
		return 0;
	if (!sb_error_is(e, SB_E_NOTFOUND))
		return sb_error_pass(err, &e);
	mirror = pick_mirror(o, codename, err);
	if (!mirror)
		return -1;
	if ((log = open_log("base", 0, err)) < 0)
		return -1;
	if (asprintf(&work, BUILD_DIR "/debian-%s", codename) < 0 ||
	    asprintf(&rootfs, "%s/rootfs", work) < 0 ||
	    asprintf(&tarball, BUILD_DIR "/debian-%s.tar", codename) < 0)
		return -1;
	{
		const char *rm[] = { "rm", "-rf", work, tarball, NULL };

		if (run_logged(rm, log, err) < 0 ||
		    sb_paths_mkdirs(work, 0755, err) < 0)
			return -1;
	}
	sb_report_begin(pr, "debootstrap %s from %s (log %s)", codename, mirror,
			sb_golden_log_path("base"));
	{
		const char *db[] = {
			"debootstrap", "--variant=minbase",
			"--include=systemd-sysv,ifupdown,isc-dhcp-client,"
			"ca-certificates,iproute2",
			codename, rootfs, mirror, NULL,
		};

		if (run_logged(db, log, err) < 0)
			goto done;
	}
	if (shape_image(work, codename, err) < 0)
		goto done;
	sb_report_begin(pr, "importing the %s image into Incus", codename);
	{
		const char *tar[] = { "tar", "--numeric-owner", "--xattrs",
				      "-C", work, "-cf", tarball,
				      "metadata.yaml", "templates", "rootfs",
				      NULL };

		if (run_logged(tar, log, err) < 0 ||
		    upload_image(c, tarball, alias, err) < 0)
			goto done;
	}
	ret = 0;
done:
	sb_report_end(pr, ret == 0);
	{
		const char *rm[] = { "rm", "-rf", work, tarball, NULL };

		run_logged(rm, log, SB_IGNORE);
	}
	if (ret < 0 && err && *err && (*err)->code == SB_E_FAIL)
		sb_error_prefix(err, "building the base image (see %s)",
				sb_golden_log_path("base"));
	return ret;
}

/* An image-server source "images:ALIAS": the server URL is the incus
 * client's own `images` remote (or $SANDBOX_IMAGE_SERVER). */
static int
image_server_source(const char *base, json_object *src,
		    struct sb_error **err)
{
	const char *alias = strchr(base, ':');
	const char *env = sb_knobs_get()->image_server;
	_cleanup_free_ char *remote = NULL, *url = NULL;
	struct sb_buf out = { 0 };

	if (!alias || !alias[1] || alias == base)
		return sb_error_set(err, SB_E_INPUT,
				    "invalid --base '%s': use REMOTE:ALIAS, "
				    "e.g. images:debian/12", base);
	remote = strndup(base, (size_t)(alias - base));
	alias++;
	if (env && strcmp(remote, "images") == 0) {
		url = strdup(env);
	} else {
		const char *argv[] = { "incus", "remote", "list", "--format",
				       "csv", NULL };
		size_t rl = strlen(remote);

		if (sb_spawn_cmd(argv, NULL, 0, &out, NULL, err) != 0) {
			sb_buf_release(&out);
			return sb_error_set(err, SB_E_FAIL,
					    "cannot read the incus remotes");
		}
		for (char *l = out.data; l && *l;) {
			char *nl = strchr(l, '\n');

			if (nl)
				*nl = '\0';
			if (strncmp(l, remote, rl) == 0 && l[rl] == ',') {
				char *u = l + rl + 1;

				url = strndup(u, strcspn(u, ","));
				break;
			}
			l = nl ? nl + 1 : NULL;
		}
		sb_buf_release(&out);
	}
	if (!url)
		return sb_error_set(err, SB_E_INPUT,
				    "invalid --base '%s': no incus remote "
				    "named '%s'", base, remote);
	json_object_object_add(src, "type", json_object_new_string("image"));
	json_object_object_add(src, "mode", json_object_new_string("pull"));
	json_object_object_add(src, "server", json_object_new_string(url));
	json_object_object_add(src, "protocol",
			       json_object_new_string("simplestreams"));
	json_object_object_add(src, "alias", json_object_new_string(alias));
	return 0;
}

/* Shows the last lines of a failed step's log, so the cause is on screen
 * without opening the file. */
static void
show_tail(const struct sb_progress *pr, const char *path, int lines)
{
	struct sb_buf b = { 0 };
	const char *p;
	int n = 0;

	if (sb_fileio_read(path, 64 << 20, &b, SB_IGNORE) < 0 || !b.len) {
		sb_buf_release(&b);
		return;
	}
	p = b.data + b.len;
	if (p > b.data && p[-1] == '\n')
		p--;
	while (p > b.data && n <= lines)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	sb_report_note(pr, "--- last lines of %s:\n%.*s---", path,
		       (int)(b.data + b.len - p), p);
	sb_buf_release(&b);
}

/* The host's CA bundle goes in so base.sh can trust what the host trusts
 * beyond the distribution (see stacks/base.sh). */
static int
push_host_cas(struct sb_incus *c, const char *inst, struct sb_error **err)
{
	struct sb_buf b = { 0 };
	_cleanup_error_ struct sb_error *e = NULL;
	int ret;

	if (sb_fileio_read("/etc/ssl/certs/ca-certificates.crt", 16 << 20, &b,
			   &e) < 0) {
		sb_buf_release(&b);
		return 0;
	}
	ret = sb_file_push(c, inst, "/root/sandbox-host-ca.crt", b.data, b.len,
			   0, 0, 0644, err);
	sb_buf_release(&b);
	return ret;
}

/* The "== version: TOOL VERSION" lines a stack script prints, joined by
 * newlines and capped, for --list-stacks (NULL when there are none). */
static char *
collect_versions(const char *out, size_t len)
{
	static const char tag[] = "== version: ";
	struct sb_buf v = { 0 };
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);

		if (n > sizeof(tag) - 1 && memcmp(p, tag, sizeof(tag) - 1) == 0 &&
		    v.len + n < 4096) {
			/* The container wrote these: printable bytes only. */
			if (v.len)
				sb_buf_appendf(&v, "\n");
			for (const char *q = p + sizeof(tag) - 1; q < le; q++)
				sb_buf_appendf(&v, "%c", (*q >= ' ' && *q < 0x7f) ?
					       *q : '?');
		}
		p = le + 1;
	}
	return v.data;
}

/* Pushes the stack's script into the golden instance and runs it as root,
 * its output going to the stack's log.  *versions gets what it reports. */
static int
run_stack_script(struct sb_incus *c, const char *inst,
		 const struct sb_stack *st, const struct sb_progress *pr,
		 char **versions, struct sb_error **err)
{
	const char *stack = st->name;
	struct sb_buf body = { 0 }, out = { 0 };
	const char *env[] = { "DEBIAN_FRONTEND=noninteractive", "HOME=/root",
			      "SANDBOX_STACK=", NULL };
	char envstack[96];
	_cleanup_close_ int log = -1;
	int status = -1, ret;

	if (sb_fileio_read(st->path, 1 << 20, &body, err) < 0)
		return -1;
	snprintf(envstack, sizeof(envstack), "SANDBOX_STACK=%s", stack);
	env[2] = envstack;
	ret = sb_file_push(c, inst, "/root/sandbox-stack.sh", body.data,
			   body.len, 0, 0, 0700, err);
	sb_buf_release(&body);
	if (ret < 0)
		return -1;
	if ((log = open_log(stack, strcmp(stack, "base") == 0, err)) < 0)
		return -1;
	if (dprintf(log, "== %s (%s stack, built on %s%s%s)\n", st->path,
		    sb_stack_origin_name(st->origin),
		    st->parent ? sb_golden_prefix() : "the base image",
		    st->parent ? st->parent : "", st->parent ? "/ready" : "") < 0)
		return sb_error_sys(err, "writing %s", sb_golden_log_path(stack));
	if (strcmp(stack, "base") == 0 && push_host_cas(c, inst, err) < 0)
		return -1;
	/* Merge stderr into stdout inside so the log keeps their order. */
	{
		const char *sh[] = { "/bin/sh", "-c",
				     "exec /bin/bash /root/sandbox-stack.sh 2>&1",
				     NULL };

		ret = sb_exec_recorded(c, inst, sh, env, 0, 0, "/root", NULL, 0,
				       &status, &out, NULL, err);
	}
	if (out.len && write(log, out.data, out.len) < 0)
		ret = sb_error_sys(err, "writing %s", sb_golden_log_path(stack));
	if (ret == 0 && status == 0)
		*versions = collect_versions(out.data ? out.data : "", out.len);
	sb_buf_release(&out);
	if (ret < 0)
		return -1;
	sb_file_delete(c, inst, "/root/sandbox-stack.sh", SB_IGNORE);
	if (status != 0) {
		show_tail(pr, sb_golden_log_path(stack), 15);
		return sb_error_set(err, SB_E_FAIL,
				    "%s failed with exit status %d (log %s)",
				    st->path, status, sb_golden_log_path(stack));
	}
	return 0;
}

/* A golden image's config value (caller frees), or NULL. */
static char *
golden_config(struct sb_incus *c, const char *stack, const char *key)
{
	_cleanup_free_ char *inst = golden_name(stack), *path = NULL;
	_cleanup_json_ json_object *m = NULL;
	json_object *cfg;
	const char *v;

	if (!inst || asprintf(&path, "/1.0/instances/%s", inst) < 0)
		return NULL;
	m = sb_incus_get(c, path, NULL, SB_IGNORE);
	if (!m || !json_object_object_get_ex(m, "config", &cfg))
		return NULL;
	v = sb_json_str(cfg, key);
	return v && *v ? strdup(v) : NULL;
}

char *
sb_golden_image_release(struct sb_incus *c, const char *stack)
{
	char *r = golden_config(c, stack, SB_KEY("release"));

	/* Images built before releases were recorded carry the base
	 * image's own property, copied along into every stack. */
	return r ? r : golden_config(c, stack, "image.release");
}

static int
build_one(struct sb_incus *c, const struct sb_stack *st,
	  const struct sb_golden_opts *o, struct sb_error **err)
{
	const struct sb_progress *pr = o->progress;
	const char *stack = st->name;
	_cleanup_free_ char *inst = golden_name(stack);
	_cleanup_free_ char *ip = NULL, *versions = NULL, *release = NULL;
	_cleanup_free_ char *from = NULL;
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *r = NULL, *meta = NULL;
	json_object *src = json_object_new_object();
	json_object *cfg = json_object_new_object();
	json_object *profiles = json_object_new_array();
	char alias[96];
	double t0 = sb_clock_now();

	json_object_object_add(body, "name", json_object_new_string(inst));
	json_object_object_add(body, "source", src);
	json_object_object_add(body, "config", cfg);
	json_object_object_add(body, "profiles", profiles);
	json_object_array_add(profiles, json_object_new_string(SB_PROFILE));
	/* Docker inside the sandboxes needs nesting. */
	json_object_object_add(cfg, "security.nesting",
			       json_object_new_string("true"));
	json_object_object_add(cfg, SB_KEY("golden"),
			       json_object_new_string(stack));
	json_object_object_add(body, "start", json_object_new_boolean(1));
	if (!st->parent) {
		if (o->base) {
			if (image_server_source(o->base, src, err) < 0)
				return -1;
		} else {
			if (ensure_base_image(c, o, alias, sizeof(alias), err) < 0)
				return -1;
			json_object_object_add(src, "type",
					       json_object_new_string("image"));
			json_object_object_add(src, "alias",
					       json_object_new_string(alias));
			release = strdup(sb_golden_release(o));
		}
	} else {
		if (asprintf(&from, "%s%s/ready", sb_golden_prefix(),
			     st->parent) < 0)
			return sb_error_set(err, SB_E_SYSTEM, "out of memory");
		json_object_object_add(src, "type", json_object_new_string("copy"));
		json_object_object_add(src, "source",
				       json_object_new_string(from));
		release = sb_golden_image_release(c, st->parent);
	}
	json_object_object_add(cfg, SB_KEY("stack-origin"),
			       json_object_new_string(
				       sb_stack_origin_name(st->origin)));
	json_object_object_add(cfg, SB_KEY("stack-parent"),
			       json_object_new_string(st->parent ? st->parent :
						      ""));
	if (release)
		json_object_object_add(cfg, SB_KEY("release"),
				       json_object_new_string(release));
	sb_report_begin(pr, "%s: creating and starting", inst);
	r = sb_incus_call(c, "POST", "/1.0/instances", body, NULL, err);
	if (!r) {
		sb_signals_arm(0);
		sb_report_end(pr, 0);
		/* A create that failed may still have left the instance. */
		sb_instance_delete(c, inst, SB_IGNORE);
		return sb_error_prefix(err, "creating %s", inst);
	}
	ip = sb_instance_wait_ipv4(c, inst, 60, err);
	if (!ip)
		goto fail;
	sb_report_begin(pr, "%s: running %s (log %s)", inst, st->path,
			sb_golden_log_path(stack));
	if (run_stack_script(c, inst, st, pr, &versions, err) < 0)
		goto fail;
	sb_report_begin(pr, "%s: stopping and snapshotting as ready", inst);
	meta = json_object_new_object();
	json_object_object_add(meta, SB_KEY("versions"),
			       json_object_new_string(versions ? versions : ""));
	if (sb_instance_stop(c, inst, 60, err) < 0 ||
	    sb_instance_patch(c, inst, meta, NULL, err) < 0 ||
	    sb_instance_snapshot(c, inst, "ready", err) < 0)
		goto fail;
	sb_report_end(pr, 1);
	sb_report_note(pr, "%s/ready: built in %.0fs", inst,
		       sb_clock_now() - t0);
	return 0;
fail:
	sb_signals_arm(0);
	sb_report_end(pr, 0);
	/* No half-built golden image survives a failure. */
	sb_instance_delete(c, inst, SB_IGNORE);
	return sb_error_prefix(err, "building %s", inst);
}

static int
ensure_depth(struct sb_incus *c, const char *stack,
	     const struct sb_golden_opts *o, int rebuild, int *built,
	     int depth, struct sb_error **err)
{
	_cleanup_free_ char *inst = golden_name(stack);
	struct sb_stack st;
	int ready, ret = -1;

	if (depth > SB_STACK_DEPTH)
		return sb_error_set(err, SB_E_INPUT,
				    "stack '%s': parents loop or go deeper "
				    "than %d", stack, SB_STACK_DEPTH);
	if (sb_stack_find(stack, &st, err) < 0) {
		if (err && *err && (*err)->code == SB_E_NOTFOUND)
			(*err)->code = SB_E_INPUT;
		return -1;
	}
	if (st.parent) {
		int b = 0;

		if (ensure_depth(c, st.parent, o, 0, &b, depth + 1, err) < 0)
			goto out;
		*built |= b;
	}
	ready = sb_golden_ready(c, stack, err);
	if (ready < 0)
		goto out;
	if (ready && !rebuild) {
		ret = 0;
		goto out;
	}
	/* Without a ready snapshot an instance is a leftover; so is the
	 * old one on rebuild.  Sandboxes already cloned are independent. */
	if (sb_instance_delete(c, inst, err) < 0 ||
	    build_one(c, &st, o, err) < 0)
		goto out;
	*built = 1;
	ret = 0;
out:
	sb_stack_release(&st);
	return ret;
}

int
sb_golden_ensure(struct sb_incus *c, const char *stack,
		 const struct sb_golden_opts *o, int rebuild, int *built,
		 struct sb_error **err)
{
	*built = 0;
	return ensure_depth(c, stack, o, rebuild, built, 0, err);
}

const char *
sb_golden_release(const struct sb_golden_opts *o)
{
	return o && o->release ? o->release : SB_DEFAULT_RELEASE;
}

int
sb_golden_release_check(const char *release, struct sb_error **err)
{
	size_t n = strlen(release);

	if (n < 2 || n > 32 || strspn(release, "abcdefghijklmnopqrstuvwxyz") != n)
		return sb_error_set(err, SB_E_INPUT,
				    "invalid --release '%s': a Debian codename "
				    "such as trixie or bookworm is allowed",
				    release);
	return 0;
}

static long long
parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return end ? (long long)timegm(&tm) : -1;
}

int
sb_golden_describe(struct sb_incus *c, const struct sb_stack *st,
		   struct sb_golden_info *out, struct sb_error **err)
{
	_cleanup_free_ char *inst = golden_name(st->name), *path = NULL;
	_cleanup_json_ json_object *snap = NULL;
	_cleanup_error_ struct sb_error *e = NULL;

	memset(out, 0, sizeof(*out));
	out->created = -1;
	if (!inst || asprintf(&path, "/1.0/instances/%s/snapshots/ready",
			      inst) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	snap = sb_incus_get(c, path, NULL, &e);
	if (!snap) {
		if (e->code == SB_E_NOTFOUND)
			return 0;
		sb_error_pass(err, &e);
		return -1;
	}
	out->ready = 1;
	out->created = parse_time(sb_json_str(snap, "created_at"));
	out->release = sb_golden_image_release(c, st->name);
	out->versions = golden_config(c, st->name, SB_KEY("versions"));
	out->origin = golden_config(c, st->name, SB_KEY("stack-origin"));
	out->parent = golden_config(c, st->name, SB_KEY("stack-parent"));
	return 0;
}

void
sb_golden_info_release(struct sb_golden_info *g)
{
	free(g->release);
	free(g->versions);
	free(g->origin);
	free(g->parent);
	memset(g, 0, sizeof(*g));
}

char *
sb_golden_release_note(struct sb_incus *c, const struct sb_golden_opts *o)
{
	_cleanup_free_ char *have = NULL;
	const char *want = sb_golden_release(o);
	char *s;

	if (o && o->base)
		return NULL;
	have = sb_golden_image_release(c, "base");
	if (!have || strcmp(have, want) == 0)
		return NULL;
	if (asprintf(&s, "%sbase is Debian %s, and new golden images are made "
		     "from %s%s.  Nothing was changed: sudo sandbox-setup "
		     "--rebuild all%s%s makes base and every stack again on %s "
		     "(sandboxes already made keep theirs)",
		     sb_golden_prefix(), have, want,
		     o && o->release ? "" : " by default now",
		     o && o->release ? " --release " : "",
		     o && o->release ? want : "", want) < 0)
		return NULL;
	return s;
}
