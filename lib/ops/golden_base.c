/* The base image golden-base starts from: a debootstrap of the release
 * from the host's apt mirror, shaped into an Incus unified image and
 * imported once under an alias, or an image pulled from an image server
 * (--base REMOTE:ALIAS). */
#include "ops/golden.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "model/aptsrc.h"
#include "ops/golden_internal.h"
#include "sys/fileio.h"
#include "sys/knobs.h"
#include "sys/paths.h"
#include "sys/spawn.h"

#define BUILD_DIR SB_STATE_DIR "/build"

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
host_codename(char *out, size_t n, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf b = { 0 };
	const char *p;
	size_t l;

	if (sb_fileio_read("/etc/os-release", 65536, &b, err) < 0)
		return -1;
	p = strstr(b.data, "VERSION_CODENAME=");
	if (!p)
		return sb_error_set(err, SB_E_FAIL,
				    "/etc/os-release names no "
				    "VERSION_CODENAME: pass --base "
				    "images:ALIAS");
	p += strlen("VERSION_CODENAME=");
	l = strcspn(p, "\n\"");
	snprintf(out, n, "%.*s", (int)l, p);
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
	_cleanup_buf_ struct sb_buf out = { 0 };
	struct sb_incus_raw r = { .method = "POST",
				  .path = "/1.0/images",
				  .content_type = "application/octet-stream",
				  .out = &out };
	_cleanup_json_ json_object *env = NULL, *res = NULL, *ab = NULL;
	_cleanup_json_ json_object *ar = NULL;
	const char *desc = "sandbox: debootstrapped base for golden-base";
	json_object *op, *fp;
	struct stat st;

	if (!f || fstat(fileno(f), &st) < 0)
		return sb_error_sys(err, "opening %s", tarball);
	r.upload = f;
	r.upload_len = st.st_size;
	if (sb_incus_raw(c, &r, err) < 0)
		return sb_error_prefix(err, "importing the base image");
	env = json_tokener_parse(out.data ? out.data : "");
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
	json_object_object_add(ab, "description", json_object_new_string(desc));
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
	if (e->code != SB_E_NOTFOUND ||
	    host_codename(host, sizeof(host), SB_IGNORE) < 0) {
		sb_error_pass(err, &e);
		return NULL;
	}
	return sb_aptsrc_mirror(host, err);
}

int
sb_golden_base_image(struct sb_incus *c, const struct sb_golden_opts *o,
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
	if ((log = sb_golden_open_log("base", 0, err)) < 0)
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
		const char *pkgs = "--include=systemd-sysv,ifupdown,"
				   "isc-dhcp-client,ca-certificates,iproute2";
		const char *db[] = { "debootstrap", "--variant=minbase", pkgs,
				     /* SUITE TARGET MIRROR */
				     codename, rootfs, mirror, NULL };

		if (run_logged(db, log, err) < 0)
			goto done;
	}
	if (shape_image(work, codename, err) < 0)
		goto done;
	sb_report_begin(pr, "importing the %s image into Incus", codename);
	{
		const char *tar[] = { "tar", "--numeric-owner", "--xattrs",
				      "-C", work, "-cf", tarball,
				      /* the parts of a unified image */
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
int
sb_golden_image_server_source(const char *base, json_object *src,
			      struct sb_error **err)
{
	const char *alias = strchr(base, ':');
	const char *env = sb_knobs_get()->image_server;
	_cleanup_free_ char *remote = NULL, *url = NULL;
	_cleanup_buf_ struct sb_buf out = { 0 };

	if (!alias || !alias[1] || alias == base)
		return sb_error_invalid(
			err, "--base", base,
			"use REMOTE:ALIAS, e.g. images:debian/12");
	remote = strndup(base, (size_t)(alias - base));
	if (!remote)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	alias++;
	if (env && strcmp(remote, "images") == 0) {
		url = strdup(env);
	} else {
		const char *argv[] = {
			"incus", "remote", "list", "--format", "csv", NULL,
		};
		size_t rl = strlen(remote);

		if (sb_spawn_cmd(argv, NULL, 0, &out, NULL, err) != 0)
			return sb_error_set(err, SB_E_FAIL,
					    "cannot read the incus remotes");
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
	}
	if (!url)
		return sb_error_set(err, SB_E_INPUT,
				    "invalid --base '%s': no incus remote "
				    "named '%s'",
				    base, remote);
	json_object_object_add(src, "type", json_object_new_string("image"));
	json_object_object_add(src, "mode", json_object_new_string("pull"));
	json_object_object_add(src, "server", json_object_new_string(url));
	json_object_object_add(src, "protocol",
			       json_object_new_string("simplestreams"));
	json_object_object_add(src, "alias", json_object_new_string(alias));
	return 0;
}
