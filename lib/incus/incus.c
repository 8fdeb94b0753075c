/* Incus REST client over libcurl.
 *
 * Every reply is an envelope {type, status_code, error_code, error,
 * metadata, operation}.  Async replies are waited for through
 * /1.0/operations/<id>/wait, which always answers HTTP 200 and puts the
 * outcome in the body (see shared/INCUS-API.md §1), so the body, not the
 * HTTP status, decides. */
#include "incus/incus.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "sys/knobs.h"
#include "sys/signals.h"
#include "core/json.h"
#include "incus/socket.h"

#define REPLY_MAX ((size_t)256 << 20)

struct sb_incus {
	CURL *curl;
	char *socket; /* unix socket path */
	char *base;   /* "http://incus" for a socket */
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sb_incus *
sb_incus_open(const char *socket, struct sb_error **err)
{
	_cleanup_incus_ struct sb_incus *c = NULL;

	pthread_once(&curl_once, curl_init_once);
	c = calloc(1, sizeof(*c));
	if (!c) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	c->socket = socket ? strdup(socket) : sb_incus_find_socket();
	c->base = strdup("http://incus");
	c->curl = curl_easy_init();
	if (!c->socket || !c->base || !c->curl) {
		sb_error_set(err, SB_E_SYSTEM, "cannot initialise libcurl");
		return NULL;
	}
	return TAKE_PTR(c);
}

struct sb_incus *
sb_incus_dup(const struct sb_incus *c, struct sb_error **err)
{
	return sb_incus_open(c->socket, err);
}

void
sb_incus_free(struct sb_incus *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	SB_FREE_MANY(c->socket, c->base, c);
}

const char *
sb_incus_socket(const struct sb_incus *c)
{
	return c->socket;
}

char *
sb_incus_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *r;

	if (!e)
		return NULL;
	r = strdup(e);
	curl_free(e);
	return r;
}

static size_t
write_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct sb_buf *b = ud;

	if (sb_buf_append(b, p, sz * n) < 0)
		return 0; /* aborts the transfer */
	return sz * n;
}

struct hdrs {
	char *etag;
	char *location;
};

static void
hdrs_release(struct hdrs *h)
{
	free(h->etag);
	free(h->location);
}

static char *
header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	const char *v, *end = line + n;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	v = line + k + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' '))
		end--;
	return strndup(v, (size_t)(end - v));
}

static size_t
header_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct hdrs *h = ud;
	char *v;

	if ((v = header_value(p, sz * n, "Etag"))) {
		free(h->etag);
		h->etag = v;
	} else if ((v = header_value(p, sz * n, "Location"))) {
		free(h->location);
		h->location = v;
	}
	return sz * n;
}

/* Turns a transport failure into what the user needs to do about it. */
static int
transport_error(struct sb_incus *c, CURLcode rc, struct sb_error **err)
{
	long oserr = 0;

	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
		if (oserr == EACCES || oserr == EPERM)
			return sb_error_set(err, SB_E_PERM,
				"permission denied on the Incus socket %s: "
				"run as root (sudo) or join the incus-admin "
				"group", c->socket);
		return sb_error_set(err, SB_E_NODAEMON,
			"Incus is not running: nothing answers on %s; start "
			"it with 'sandbox-setup' (or 'systemctl start incus')",
			c->socket);
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return sb_signals_check(err);
	if (rc == CURLE_WRITE_ERROR)
		return sb_error_set(err, SB_E_DAEMON,
				    "reply from Incus is too large");
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return sb_error_set(err, SB_E_DAEMON,
				    "Incus on %s did not answer in time: %s",
				    c->socket, c->errbuf[0] ? c->errbuf :
				    curl_easy_strerror(rc));
	return sb_error_set(err, SB_E_DAEMON, "talking to Incus on %s: %s",
			    c->socket, c->errbuf[0] ? c->errbuf :
			    curl_easy_strerror(rc));
}

/* libcurl calls this about once a second even while a wait is idle, so
 * an armed interruption aborts a long operation wait promptly. */
static int
progress_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
	    curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return sb_signals_interrupted();
}

struct upload {
	FILE *f;
};

static size_t
read_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct upload *u = ud;

	return fread(p, 1, sz * n, u->f);
}

static long
timeout_for(const struct sb_incus_raw *r)
{
	if (r->timeout_ms)
		return r->timeout_ms;
	if (r->upload)
		return 0; /* the stall limit bounds it */
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return SB_INCUS_GET_MS;
	return SB_INCUS_CHANGE_MS;
}

static int
perform(struct sb_incus *c, struct sb_incus_raw *r, struct hdrs *h,
	struct sb_error **err)
{
	CURL *k = c->curl;
	struct curl_slist *hl = NULL;
	_cleanup_free_ char *url = NULL;
	char ctype[128];
	struct upload up = { r->upload };
	CURLcode rc;

	if (asprintf(&url, "%s%s", c->base, r->path) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	curl_easy_reset(k);
	c->errbuf[0] = '\0';
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, r->out);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(k, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(k, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, SB_INCUS_CONNECT_MS);
	curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, timeout_for(r));
	/* Less than a byte a second for two minutes: the peer is stuck. */
	if (r->upload) {
		curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, SB_INCUS_STALL_S);
	}
	if (strcmp(r->method, "HEAD") == 0)
		curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
	/* libcurl defaults a POST body to form encoding, which makes the
	 * file API swallow the body (INCUS-API.md §0): always say what it is. */
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
		 r->content_type ? r->content_type : "application/json");
	hl = curl_slist_append(hl, ctype);
	hl = curl_slist_append(hl, "Expect:");
	for (const char *const *p = r->headers; p && *p; p++)
		hl = curl_slist_append(hl, *p);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, hl);
	if (r->upload) {
		curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(k, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(k, CURLOPT_READDATA, &up);
		curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)r->upload_len);
	} else if (r->body) {
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)r->len);
	}
	rc = curl_easy_perform(k);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK)
		return transport_error(c, rc, err);
	curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}

int
sb_incus_raw(struct sb_incus *c, struct sb_incus_raw *r,
	     struct sb_error **err)
{
	_cleanup_(hdrs_release) struct hdrs h = { 0 };

	if (r->out && !r->out->max)
		r->out->max = REPLY_MAX;
	if (perform(c, r, &h, err) < 0)
		return -1;
	if (r->status >= 400 && r->out)
		return sb_incus_error_from_reply(r->out->data, r->out->len,
						 r->status, err);
	if (r->status >= 400)
		return sb_incus_error_from_reply(NULL, 0, r->status, err);
	return 0;
}

static long
jint(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return (long)json_object_get_int64(v);
}

static int
code_for(long status, const char *msg)
{
	if (status == 404 || (msg && strstr(msg, "not found")))
		return SB_E_NOTFOUND;
	if (status == 409 || (msg && (strstr(msg, "already exists") ||
				      strstr(msg, "UNIQUE constraint"))))
		return SB_E_EXISTS;
	if (status == 403)
		return SB_E_PERM;
	return SB_E_DAEMON;
}

static int
error_from_envelope(json_object *root, long status, struct sb_error **err)
{
	const char *msg = sb_json_str(root, "error");
	long code = jint(root, "error_code");
	int r;

	if (code)
		status = code;
	if (!msg || !*msg)
		msg = "request failed";
	r = sb_error_set(err, code_for(status, msg), "%s (%ld)", msg, status);
	if (err && *err)
		(*err)->http_status = status;
	return r;
}

int
sb_incus_error_from_reply(const char *buf, size_t len, long status,
			  struct sb_error **err)
{
	_cleanup_json_ json_object *root = sb_json_parse(buf, len);

	if (root && sb_json_str(root, "type"))
		return error_from_envelope(root, status, err);
	sb_error_set(err, code_for(status, NULL), "Incus answered HTTP %ld",
		     status);
	if (err && *err)
		(*err)->http_status = status;
	return -1;
}

/* Sends a JSON request and returns the parsed envelope. */
static json_object *
request(struct sb_incus *c, const char *method, const char *path,
	json_object *body, const char *if_match, char **etag,
	long timeout_ms, struct sb_error **err)
{
	_cleanup_buf_ struct sb_buf out = { .max = REPLY_MAX };
	struct sb_incus_raw r = { .method = method, .path = path, .out = &out,
				  .timeout_ms = timeout_ms };
	_cleanup_(hdrs_release) struct hdrs h = { 0 };
	char ifm[256];
	const char *hv[2] = { NULL, NULL };
	_cleanup_json_ json_object *root = NULL;
	const char *type;

	if (body) {
		r.body = json_object_to_json_string_ext(body,
						       JSON_C_TO_STRING_PLAIN);
		r.len = strlen(r.body);
	}
	if (if_match) {
		snprintf(ifm, sizeof(ifm), "If-Match: %s", if_match);
		hv[0] = ifm;
		r.headers = hv;
	}
	if (perform(c, &r, &h, err) < 0)
		return NULL;
	root = sb_json_parse(out.data, out.len);
	if (!root || !(type = sb_json_str(root, "type"))) {
		sb_incus_error_from_reply(out.data, out.len, r.status, err);
		if (r.status < 400)
			sb_error_set(err, SB_E_DAEMON,
				     "%s %s: reply is not an Incus envelope",
				     method, path);
		return NULL;
	}
	if (strcmp(type, "error") == 0) {
		error_from_envelope(root, r.status, err);
		return NULL;
	}
	if (etag)
		*etag = TAKE_PTR(h.etag);
	return TAKE_PTR(root);
}

static json_object *
take_member(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get(v);
}

/* Errors Incus gives for a moment while a container changes state, e.g.
 * "Invalid PID" from reading the state of one that is shutting down. */
static int
transient(const struct sb_error *e)
{
	return e && e->http_status == 500 &&
	       (strstr(e->msg, "Invalid PID") || strstr(e->msg, "pidfd"));
}

json_object *
sb_incus_get(struct sb_incus *c, const char *path, char **etag,
	     struct sb_error **err)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *m;

	for (int attempt = 0; attempt < 5; attempt++) {
		_cleanup_error_ struct sb_error *e = NULL;
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		root = request(c, "GET", path, NULL, NULL, etag, 0, &e);
		if (root)
			break;
		if (!transient(e) || attempt == 4) {
			sb_error_pass(err, &e);
			return NULL;
		}
		nanosleep(&ts, NULL);
	}
	m = take_member(root, "metadata");
	return m ? m : json_object_new_object();
}

int
sb_incus_ping(struct sb_incus *c, char **server_name, struct sb_error **err)
{
	_cleanup_json_ json_object *m = sb_incus_get(c, "/1.0", NULL, err);
	json_object *env;

	if (!m)
		return -1;
	if (strcmp(sb_json_str(m, "auth") ? sb_json_str(m, "auth") : "", "trusted") != 0)
		return sb_error_set(err, SB_E_PERM,
			"Incus on %s does not trust us: run as root (sudo) or "
			"join the incus-admin group", c->socket);
	if (server_name) {
		const char *s = NULL;

		if (json_object_object_get_ex(m, "environment", &env))
			s = sb_json_str(env, "server");
		*server_name = strdup(s ? s : "incus");
	}
	return 0;
}

char *
sb_incus_start(struct sb_incus *c, const char *method, const char *path,
	       json_object *body, json_object **op, struct sb_error **err)
{
	_cleanup_json_ json_object *root =
		request(c, method, path, body, NULL, NULL, 0, err);
	const char *opath;

	if (!root)
		return NULL;
	opath = sb_json_str(root, "operation");
	if (!opath || !*opath) {
		sb_error_set(err, SB_E_DAEMON,
			     "%s %s: expected an operation from Incus", method,
			     path);
		return NULL;
	}
	if (op)
		*op = take_member(root, "metadata");
	return strdup(opath);
}

json_object *
sb_incus_wait(struct sb_incus *c, const char *op_path, int timeout,
	      struct sb_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_object *root = NULL;
	json_object *op;
	const char *type;
	long sc;

	if (asprintf(&path, "%s/wait?timeout=%d", op_path, timeout) < 0) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	root = request(c, "GET", path, NULL, NULL, NULL,
		       timeout < 0 ? SB_INCUS_LONG_MS :
		       timeout * 1000L + SB_INCUS_WAIT_MARGIN_MS, err);
	if (!root) {
		if (err && *err && strstr((*err)->msg, "deadline exceeded"))
			sb_error_set(err, SB_E_DAEMON,
				     "Incus did not finish within %d s",
				     timeout);
		return NULL;
	}
	type = sb_json_str(root, "type");
	if (!json_object_object_get_ex(root, "metadata", &op) || !op) {
		sb_error_set(err, SB_E_DAEMON, "operation %s: empty reply",
			     op_path);
		return NULL;
	}
	/* LXD 5.0.0-5.0.2 answer sync even when the operation failed. */
	sc = jint(op, "status_code");
	if (type && strcmp(type, "sync") == 0 && (sc == 400 || sc == 401)) {
		const char *e = sb_json_str(op, "err");

		sb_error_set(err, SB_E_DAEMON, "%s", e && *e ? e :
			     "operation failed");
		return NULL;
	}
	if (sc != 200) {
		sb_error_set(err, SB_E_DAEMON,
			     "operation %s still running after %d s", op_path,
			     timeout);
		return NULL;
	}
	op = take_member(op, "metadata");
	return op ? op : json_object_new_object();
}

json_object *
sb_incus_call(struct sb_incus *c, const char *method, const char *path,
	      json_object *body, const char *if_match, struct sb_error **err)
{
	_cleanup_json_ json_object *root =
		request(c, method, path, body, if_match, NULL, 0, err);
	_cleanup_free_ char *opath = NULL;
	const char *type;
	json_object *m;

	if (!root)
		return NULL;
	type = sb_json_str(root, "type");
	if (type && strcmp(type, "async") == 0) {
		const char *o = sb_json_str(root, "operation");

		if (!o) {
			sb_error_set(err, SB_E_DAEMON,
				     "%s %s: async reply without operation",
				     method, path);
			return NULL;
		}
		opath = strdup(o);
		return sb_incus_wait(c, opath, -1, err);
	}
	m = take_member(root, "metadata");
	return m ? m : json_object_new_object();
}
