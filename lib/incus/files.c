#include "incus/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"

static char *
files_path(const char *instance, const char *path)
{
	_cleanup_free_ char *ep = sb_incus_escape(path);
	char *s;

	if (!ep || asprintf(&s, "/1.0/instances/%s/files?path=%s", instance,
			    ep) < 0)
		return NULL;
	return s;
}

static int
push(struct sb_incus *c, const char *instance, const char *path,
     const char *type, const void *data, size_t len, int uid, int gid,
     int mode, struct sb_error **err)
{
	_cleanup_free_ char *url = files_path(instance, path);
	char h_uid[48], h_gid[48], h_mode[48], h_type[48];
	/* Both prefixes: Incus accepts X-LXD-* too, LXD only those. */
	const char *hdrs[] = { h_uid, h_gid, h_mode, h_type, NULL };
	_cleanup_buf_ struct sb_buf out = { 0 };
	struct sb_incus_raw r = {
		.method = "POST",
		.path = url,
		.body = data ? data : "",
		.len = len,
		.content_type = "application/octet-stream",
		.headers = hdrs,
		.out = &out,
	};

	if (!url)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	snprintf(h_uid, sizeof(h_uid), "X-LXD-uid: %d", uid < 0 ? 0 : uid);
	snprintf(h_gid, sizeof(h_gid), "X-LXD-gid: %d", gid < 0 ? 0 : gid);
	/* A leading 0 makes the daemon read it as octal (INCUS-API.md §8). */
	snprintf(h_mode, sizeof(h_mode), "X-LXD-mode: 0%o", (unsigned)mode);
	snprintf(h_type, sizeof(h_type), "X-LXD-type: %s", type);
	if (sb_incus_raw(c, &r, err) < 0)
		return sb_error_prefix(err, "writing %s in %s", path, instance);
	return 0;
}

int
sb_file_push(struct sb_incus *c, const char *instance, const char *path,
	     const void *data, size_t len, int uid, int gid, int mode,
	     struct sb_error **err)
{
	if (sb_file_delete(c, instance, path, err) < 0)
		return -1;
	return push(c, instance, path, "file", data, len, uid, gid, mode,
		    err);
}

int
sb_file_symlink(struct sb_incus *c, const char *instance, const char *path,
		const char *target, struct sb_error **err)
{
	if (sb_file_delete(c, instance, path, err) < 0)
		return -1;
	return push(c, instance, path, "symlink", target, strlen(target), 0,
		    0, 0777, err);
}

int
sb_file_mkdir(struct sb_incus *c, const char *instance, const char *path,
	      int uid, int gid, int mode, struct sb_error **err)
{
	return push(c, instance, path, "directory", NULL, 0, uid, gid, mode,
		    err);
}

int
sb_file_pull(struct sb_incus *c, const char *instance, const char *path,
	     struct sb_buf *out, size_t max, struct sb_error **err)
{
	_cleanup_free_ char *url = files_path(instance, path);
	/* The container decides what is at path: a FIFO would keep the
	 * daemon's reply open forever. */
	struct sb_incus_raw r = { .method = "GET", .path = url, .out = out,
				  .timeout_ms = SB_FILE_PULL_MS };

	if (!url)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	out->max = max;
	if (sb_incus_raw(c, &r, err) < 0)
		return sb_error_prefix(err, "reading %s in %s", path, instance);
	return 0;
}

int
sb_file_delete(struct sb_incus *c, const char *instance, const char *path,
	       struct sb_error **err)
{
	_cleanup_free_ char *url = files_path(instance, path);
	_cleanup_buf_ struct sb_buf out = { 0 };
	struct sb_incus_raw r = { .method = "DELETE", .path = url, .out = &out };
	_cleanup_error_ struct sb_error *e = NULL;

	if (!url)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_incus_raw(c, &r, &e) < 0 && !sb_error_is(e, SB_E_NOTFOUND)) {
		sb_error_pass(err, &e);
		return sb_error_prefix(err, "removing %s in %s", path, instance);
	}
	return 0;
}
