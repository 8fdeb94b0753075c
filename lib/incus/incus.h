/* A client for the Incus (and LXD) REST API.
 *
 * One struct sb_incus is one connection to one daemon: a unix socket today,
 * an HTTPS endpoint with a client certificate later (the endpoint lives in
 * the struct, so callers do not change).  A connection is not thread-safe;
 * threads each take their own with sb_incus_dup().
 *
 * Every call blocks on the daemon, for a bounded time suited to its kind
 * (see SB_INCUS_*_MS below): a daemon that stops answering, or a file API
 * read that never ends, costs an error, never a hang.  Calls that return
 * a json_object hand
 * the caller a new reference.  Errors carry Incus's own text and the HTTP
 * status, e.g. "Instance not found (404)". */
#ifndef SB_INCUS_H
#define SB_INCUS_H

#include <stdio.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/error.h"
/* Replies are json_objects, read with these helpers. */
#include "core/json.h"

struct sb_incus;

/* Time limits by kind of request.  A GET reads state and answers at once;
 * a change that answers synchronously (PUT/PATCH, a sync POST or DELETE)
 * may take the daemon a while; an operation wait is bounded by its own
 * timeout plus this margin, or by the long limit when it has none (an
 * image build or a stack script runs for many minutes); an upload is
 * bounded by a low-speed limit instead (its size decides its length). */
#define SB_INCUS_CONNECT_MS 10000L
#define SB_INCUS_GET_MS 30000L
#define SB_INCUS_CHANGE_MS 120000L
#define SB_INCUS_WAIT_MARGIN_MS 30000L
#define SB_INCUS_LONG_MS (3L * 3600 * 1000)
#define SB_INCUS_STALL_S 120L

/* Opens a connection (no request is made yet).  socket NULL: discover. */
struct sb_incus *sb_incus_open(const char *socket, struct sb_error **err);
/* A second connection to the same endpoint, for another thread or a
 * forked child. */
struct sb_incus *sb_incus_dup(const struct sb_incus *c, struct sb_error **err);
void sb_incus_free(struct sb_incus *c);
SB_DEFINE_CLEANUP(struct sb_incus *, sb_incus_free)
#define _cleanup_incus_ _cleanup_(sb_incus_free_ptr)
/* libcurl handles (this client's, the websocket's, GitHub's). */
SB_DEFINE_CLEANUP(CURL *, curl_easy_cleanup)
#define _cleanup_curl_ _cleanup_(curl_easy_cleanup_ptr)
const char *sb_incus_socket(const struct sb_incus *c);

/* Checks that the daemon answers and that we are trusted.  Fills
 * server_name ("incus" or "lxd") when non-NULL. */
int sb_incus_ping(struct sb_incus *c, char **server_name, struct sb_error **err);

/* GET path; returns the reply's metadata.  etag, when non-NULL, receives
 * the ETag header (caller frees). */
json_object *sb_incus_get(struct sb_incus *c, const char *path, char **etag,
			  struct sb_error **err);

/* Sends a JSON request (body may be NULL).  A sync reply returns its
 * metadata; an async reply is waited for and returns the finished
 * operation's metadata (the operation-specific part, which may be NULL for
 * a successful task, in which case an empty object is returned).
 * if_match, when non-NULL, is sent as If-Match. */
json_object *sb_incus_call(struct sb_incus *c, const char *method,
			   const char *path, json_object *body,
			   const char *if_match, struct sb_error **err);

/* Starts an async request and returns the operation's path
 * ("/1.0/operations/<id>") without waiting.  The operation object itself
 * (whose metadata holds exec fds, for instance) goes to *op when non-NULL. */
char *sb_incus_start(struct sb_incus *c, const char *method, const char *path,
		     json_object *body, json_object **op,
		     struct sb_error **err);

/* Waits for an operation; timeout in seconds, -1 for none (then
 * SB_INCUS_LONG_MS still bounds it).  Returns the
 * operation's own metadata (never NULL on success). */
json_object *sb_incus_wait(struct sb_incus *c, const char *op_path,
			   int timeout, struct sb_error **err);

/* Raw transfer for files, logs and image uploads.  body/len or upload
 * (a stream of upload_len bytes) is sent; the reply body goes to out. */
struct sb_incus_raw {
	const char *method;
	const char *path;
	const void *body;
	size_t len;
	FILE *upload;
	long long upload_len;
	const char *content_type;
	const char *const *headers; /* NULL-terminated "Name: value" */
	struct sb_buf *out;
	long timeout_ms; /* 0: by kind (above) */
	/* filled in: */
	long status;
};
int sb_incus_raw(struct sb_incus *c, struct sb_incus_raw *r,
		 struct sb_error **err);

/* Converts an error envelope in buf (if it is one) into *err; otherwise
 * names the HTTP status.  Always returns -1. */
int sb_incus_error_from_reply(const char *buf, size_t len, long status,
			      struct sb_error **err);

/* URL-encodes a path segment or query value.  Caller frees. */
char *sb_incus_escape(const char *s);

#endif
