#include "incus/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/cleanup.h"
#include "incus/files.h"

static int
fetch_log(struct sb_incus *c, json_object *output, const char *fd,
	  struct sb_buf *into, struct sb_error **err)
{
	json_object *v;
	const char *url;
	_cleanup_buf_ struct sb_buf junk = { 0 };
	struct sb_incus_raw get = { .method = "GET", .out = into ? into : &junk };
	struct sb_incus_raw del = { .method = "DELETE", .out = &junk };
	int ret = 0;

	if (!output || !json_object_object_get_ex(output, fd, &v))
		return 0;
	url = json_object_get_string(v);
	if (!url || !*url)
		return 0;
	get.path = del.path = url;
	if (into)
		ret = sb_incus_raw(c, &get, err);
	sb_buf_reset(&junk);
	/* Logs otherwise linger on the daemon for days (INCUS-API.md §7a). */
	sb_incus_raw(c, &del, SB_IGNORE);
	return ret;
}

int
sb_exec_recorded(struct sb_incus *c, const char *instance,
		 const char *const *argv, const char *const *env, int uid,
		 int gid, const char *cwd, const void *stdin_data,
		 size_t stdin_len, int *exit_status, struct sb_buf *out,
		 struct sb_buf *errout, struct sb_error **err)
{
	_cleanup_json_ json_object *body = json_object_new_object();
	_cleanup_json_ json_object *res = NULL;
	_cleanup_free_ char *path = NULL;
	char infile[64] = "";
	json_object *cmd = json_object_new_array();
	json_object *envo = json_object_new_object();
	json_object *output = NULL, *ret;
	int r = -1;

	json_object_object_add(body, "command", cmd);
	json_object_object_add(body, "environment", envo);
	if (stdin_data) {
		unsigned char rnd[8];

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return sb_error_sys(err, "getrandom");
		snprintf(infile, sizeof(infile),
			 "/tmp/.sandbox-stdin-%02x%02x%02x%02x%02x%02x%02x%02x",
			 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
			 rnd[6], rnd[7]);
		if (sb_file_push(c, instance, infile, stdin_data, stdin_len,
				 uid, gid, 0600, err) < 0)
			return -1;
		/* Recorded exec has no stdin; redirect from the pushed file. */
		json_object_array_add(cmd, json_object_new_string("/bin/sh"));
		json_object_array_add(cmd, json_object_new_string("-c"));
		json_object_array_add(cmd, json_object_new_string(
			"f=$1; shift; exec \"$@\" < \"$f\""));
		json_object_array_add(cmd, json_object_new_string("sh"));
		json_object_array_add(cmd, json_object_new_string(infile));
	}
	for (const char *const *a = argv; a && *a; a++)
		json_object_array_add(cmd, json_object_new_string(*a));
	for (const char *const *e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		_cleanup_free_ char *k = NULL;

		if (!eq)
			continue;
		k = strndup(*e, (size_t)(eq - *e));
		json_object_object_add(envo, k, json_object_new_string(eq + 1));
	}
	json_object_object_add(body, "record-output", json_object_new_boolean(1));
	json_object_object_add(body, "wait-for-websocket",
			       json_object_new_boolean(0));
	json_object_object_add(body, "interactive", json_object_new_boolean(0));
	if (uid >= 0)
		json_object_object_add(body, "user", json_object_new_int(uid));
	if (gid >= 0)
		json_object_object_add(body, "group", json_object_new_int(gid));
	if (cwd)
		json_object_object_add(body, "cwd", json_object_new_string(cwd));
	if (asprintf(&path, "/1.0/instances/%s/exec", instance) < 0)
		goto out;
	res = sb_incus_call(c, "POST", path, body, NULL, err);
	if (!res) {
		sb_error_prefix(err, "running %s in %s", argv[0], instance);
		goto out;
	}
	json_object_object_get_ex(res, "output", &output);
	if (fetch_log(c, output, "1", out, err) < 0 ||
	    fetch_log(c, output, "2", errout, err) < 0)
		goto out;
	*exit_status = json_object_object_get_ex(res, "return", &ret) ?
		       json_object_get_int(ret) : -1;
	r = 0;
out:
	if (infile[0])
		sb_file_delete(c, instance, infile, SB_IGNORE);
	return r;
}
