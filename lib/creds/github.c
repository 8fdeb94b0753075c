/* GitHub REST client for deploy keys (libcurl + json-c).
 *
 * Each answer GitHub can give is turned into one line a person can act on:
 * which token was used (by its source, never its value), which repository,
 * and what to do next.  Rate limiting is told apart from a plain 403 by
 * GitHub's own headers (X-RateLimit-Remaining: 0, or Retry-After), see
 * docs.github.com "Rate limits for the REST API". */
#include "core/text.h"
#include "creds/github.h"

#include <ctype.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "incus/incus.h"
#include "model/repo.h"
#include "sys/spawn.h"

#define REPLY_MAX ((size_t)1 << 20)
#define TOKEN_MAX 4096

struct sb_github {
	char *base;         /* without a trailing slash */
	char *token;
	const char *source; /* where the token came from */
};

char *
sb_github_keys_page(const char *slug)
{
	return sb_text_fmt("https://github.com/%s/settings/keys", slug);
}

/* ---- the token ---- */

/* Trims surrounding whitespace; refuses anything that could break out of
 * an HTTP header. */
static char *
clean_token(const char *v, size_t n)
{
	char *t;

	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n == 0 || n > TOKEN_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)v[i]))
			return NULL;
	t = strndup(v, n);
	return t;
}

/* `gh auth token`, when gh is installed and logged in.  Its stderr is
 * discarded (it explains the login to a terminal we do not own). */
static char *
gh_token(void)
{
	const char *argv[] = { "gh", "auth", "token", NULL };
	char buf[TOKEN_MAX + 1];
	/* Room for all of it from the start: no realloc leaves a copy of
	 * the token behind in freed memory. */
	struct sb_buf out = { .data = buf,
			      .cap = sizeof(buf),
			      .max = sizeof(buf) - 1 };
	struct sb_spawn s = {
		.argv = argv,
		.envp = environ,
		.in = { .how = SB_SPAWN_NULL },
		.out = { .how = SB_SPAWN_CAPTURE, .buf = &out },
		.err = { .how = SB_SPAWN_NULL },
	};
	char *t = NULL;

	if (sb_spawn_run(&s, SB_IGNORE) == 0 && !out.overflow)
		t = clean_token(buf, out.len);
	explicit_bzero(buf, sizeof(buf));
	return t;
}

struct sb_github *
sb_github_open(struct sb_error **err)
{
	static const char *const vars[] = { "GH_TOKEN", "GITHUB_TOKEN" };
	_cleanup_github_ struct sb_github *g = calloc(1, sizeof(*g));
	const char *base = getenv("GITHUB_API_URL");
	size_t n;

	if (!g)
		goto oom;
	for (size_t i = 0; i < 2 && !g->token; i++) {
		const char *v = getenv(vars[i]);

		if (!v || !*v)
			continue;
		g->token = clean_token(v, strlen(v));
		g->source = vars[i];
		if (!g->token) {
			sb_error_set(err, SB_E_INPUT,
				     "the token in %s is not usable (empty or "
				     "containing spaces or control "
				     "characters); set it to a GitHub token",
				     vars[i]);
			return NULL;
		}
	}
	if (!g->token && (g->token = gh_token()))
		g->source = "gh auth token";
	if (!g->token) {
		sb_error_set(err, SB_E_GITHUB,
			"no GitHub token: set GH_TOKEN or GITHUB_TOKEN to a "
			"token with admin rights on the repository, or log "
			"in with 'gh auth login'");
		return NULL;
	}
	if (!base || !*base)
		base = SB_GITHUB_DEFAULT_API;
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	g->base = strndup(base, n);
	if (!g->base)
		goto oom;
	return TAKE_PTR(g);
oom:
	sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return NULL;
}

void
sb_github_free(struct sb_github *g)
{
	if (g) {
		sb_text_wipe(g->token); /* the token is a secret */
		SB_FREE_MANY(g->base, g);
	}
}

const char *
sb_github_token_source(const struct sb_github *g)
{
	return g->source;
}

/* ---- requests ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reply {
	long status;
	struct sb_buf body;
	long long rl_remaining; /* -1: header absent */
	long long rl_reset;     /* epoch seconds, 0: absent */
	long long retry_after;  /* seconds, -1: absent */
};

static size_t
body_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct reply *r = ud;

	if (sb_buf_append(&r->body, p, sz * n) < 0)
		return 0;
	return sz * n;
}

static int
header_num(const char *line, size_t n, const char *name, long long *out)
{
	size_t k = strlen(name);
	char tmp[32];
	size_t i = 0;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return 0;
	line += k + 1, n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (i < n && i < sizeof(tmp) - 1 && isdigit((unsigned char)line[i]))
		tmp[i] = line[i], i++;
	if (i == 0)
		return 0;
	tmp[i] = '\0';
	*out = strtoll(tmp, NULL, 10);
	return 1;
}

static size_t
head_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct reply *r = ud;
	size_t len = sz * n;

	/* A new status line (after a redirect or 100) starts afresh. */
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->rl_remaining = -1;
		r->rl_reset = 0;
		r->retry_after = -1;
	}
	header_num(p, len, "X-RateLimit-Remaining", &r->rl_remaining);
	header_num(p, len, "X-RateLimit-Reset", &r->rl_reset);
	header_num(p, len, "Retry-After", &r->retry_after);
	return len;
}

/* curl copies header strings into its list; wipe those copies too. */
static void
slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *i = l; i; i = i->next)
		explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

static int
transport(struct sb_github *g, CURLcode rc, const char *errbuf,
	  struct sb_error **err)
{
	if (rc == CURLE_WRITE_ERROR)
		return sb_error_set(err, SB_E_GITHUB, "the reply from the "
				    "GitHub API at %s is too large", g->base);
	return sb_error_set(err, SB_E_GITHUB,
		"cannot reach the GitHub API at %s: %s; check the network "
		"(and GITHUB_API_URL)", g->base,
		errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* The request's headers, the token's among them (slist_wipe_free wipes
 * it), or NULL when out of memory. */
static struct curl_slist *
headers(const struct sb_github *g)
{
	static const char *const fixed[] = {
		"Accept: application/vnd.github+json",
		"X-GitHub-Api-Version: 2022-11-28",
		"Content-Type: application/json",
		"Expect:",
	};
	struct curl_slist *hl;
	char *auth = NULL;

	if (asprintf(&auth, "Authorization: Bearer %s", g->token) < 0)
		return NULL;
	hl = curl_slist_append(NULL, auth);
	sb_text_wipe(auth);
	/* A failed append leaves the list as it was: free it, token too. */
	for (size_t i = 0; hl && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		struct curl_slist *more = curl_slist_append(hl, fixed[i]);

		if (!more)
			slist_wipe_free(hl);
		hl = more;
	}
	return hl;
}

/* 0.25 s, 0.5 s, 1 s before attempts 1, 2, 3: a short outage passes, a
 * long one fails within two seconds. */
static void
backoff(int attempt)
{
	long ms = 250L << (attempt - 1);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Sets k up for one attempt, r emptied to take its answer. */
static void
prepare(CURL *k, const char *url, struct curl_slist *hl, const char *method,
	const char *body, struct reply *r, char *errbuf)
{
	sb_buf_release(&r->body);
	r->body.max = REPLY_MAX;
	r->status = 0;
	r->rl_remaining = -1;
	r->rl_reset = 0;
	r->retry_after = -1;
	errbuf[0] = '\0';
	curl_easy_reset(k);
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(k, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(k, CURLOPT_USERAGENT, "sandbox/" SB_VERSION);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, head_cb);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body) {
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(body));
	}
}

/* One request, retried on 5xx and on transport failures that may pass
 * (a refused or reset connection is not retried: it will not pass in a
 * second).  Returns 0 with r filled for any HTTP answer. */
static int
request(struct sb_github *g, const char *method, const char *path,
	const char *body, struct reply *r, struct sb_error **err)
{
	_cleanup_free_ char *url = NULL;
	_cleanup_curl_ CURL *k = NULL;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hl;
	CURLcode rc = CURLE_OK;
	int ret = -1;

	pthread_once(&curl_once, curl_init_once);
	if (asprintf(&url, "%s%s", g->base, path) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	hl = headers(g);
	k = curl_easy_init();
	if (!k || !hl) {
		slist_wipe_free(hl);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	for (int attempt = 0; attempt <= SB_GITHUB_RETRIES; attempt++) {
		if (attempt > 0)
			backoff(attempt);
		prepare(k, url, hl, method, body, r, errbuf);
		rc = curl_easy_perform(k);
		if (rc != CURLE_OK) {
			if (rc == CURLE_OPERATION_TIMEDOUT ||
			    rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
			    rc == CURLE_SEND_ERROR)
				continue;
			break;
		}
		curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r->status);
		if (r->status < 500 || r->status > 599)
			break;
	}
	if (rc != CURLE_OK)
		transport(g, rc, errbuf, err);
	else
		ret = 0;
	slist_wipe_free(hl);
	return ret;
}

/* GitHub's "message", plus the first "errors[].message" (422 carries the
 * reason there: "key is already in use"). */
static char *
api_message(const struct reply *r)
{
	_cleanup_json_ json_object *o = NULL;
	json_object *m, *errs, *e0, *em;
	const char *msg = NULL, *detail = NULL;
	char *s = NULL;

	if (r->body.data)
		o = json_tokener_parse(r->body.data);
	if (o && json_object_object_get_ex(o, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		msg = json_object_get_string(m);
	if (o && json_object_object_get_ex(o, "errors", &errs) &&
	    json_object_is_type(errs, json_type_array) &&
	    json_object_array_length(errs) > 0 &&
	    (e0 = json_object_array_get_idx(errs, 0)) &&
	    json_object_object_get_ex(e0, "message", &em) &&
	    json_object_is_type(em, json_type_string))
		detail = json_object_get_string(em);
	if (msg && detail)
		s = sb_text_fmt("%s: %s", msg, detail);
	else if (msg || detail)
		s = strdup(msg ? msg : detail);
	if (s) /* one line, however GitHub formats it */
		for (char *p = s; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	return s;
}

static int
rate_limited(const struct reply *r)
{
	if (r->status == 429)
		return 1;
	return r->status == 403 && (r->rl_remaining == 0 ||
				    r->retry_after >= 0);
}

/* "retry after 14:05:09 (in 12 minutes)" from the reply's headers. */
static void
retry_when(const struct reply *r, char *out, size_t n)
{
	time_t now = time(NULL), at = 0;
	struct tm tm;
	char hhmm[32];
	long long secs;

	if (r->retry_after >= 0)
		at = now + (time_t)r->retry_after;
	else if (r->rl_reset > 0)
		at = (time_t)r->rl_reset;
	if (!at) {
		snprintf(out, n, "retry in a few minutes");
		return;
	}
	secs = (long long)(at - now);
	if (secs < 0)
		secs = 0;
	localtime_r(&at, &tm);
	strftime(hhmm, sizeof(hhmm), "%H:%M:%S", &tm);
	if (secs < 120)
		snprintf(out, n, "retry after %s (in %lld seconds)", hhmm,
			 secs);
	else
		snprintf(out, n, "retry after %s (in %lld minutes)", hhmm,
			 (secs + 59) / 60);
}

/* Maps an unsuccessful answer to what a person can do about it. */
static int
api_error(struct sb_github *g, const struct reply *r, const char *slug,
	  const char *doing, struct sb_error **err)
{
	_cleanup_free_ char *m = api_message(r);
	const char *gm = m ? m : "no message";
	char when[96];
	int ret;

	if (rate_limited(r)) {
		retry_when(r, when, sizeof(when));
		ret = sb_error_set(err, SB_E_GITHUB,
			"%s: the GitHub API rate limit is exhausted for the "
			"token from %s (%s, %ld); %s", doing, g->source, gm,
			r->status, when);
	} else if (r->status == 401) {
		ret = sb_error_set(err, SB_E_GITHUB,
			"%s: GitHub rejected the token from %s as missing or "
			"invalid (%s, 401); set GH_TOKEN or GITHUB_TOKEN to a "
			"valid token, or run 'gh auth login'", doing,
			g->source, gm);
	} else if (r->status == 403 || r->status == 404) {
		ret = sb_error_set(err, SB_E_GITHUB,
			"%s: the repository does not exist or the token from "
			"%s has no admin access to it (%s, %ld); deploy keys "
			"need a token with admin rights on '%s' ('repo' "
			"scope, or 'Administration: write' for a fine-grained "
			"token)", doing, g->source, gm, r->status, slug);
	} else if (r->status == 422) {
		ret = sb_error_set(err, SB_E_GITHUB,
			"%s: GitHub refused the key for '%s' (%s, 422); the "
			"key is already registered there or on another "
			"repository", doing, slug, gm);
	} else if (r->status >= 500) {
		ret = sb_error_set(err, SB_E_GITHUB,
			"%s: the GitHub API at %s kept failing (%s, %ld, "
			"after %d retries); try again later", doing, g->base,
			gm, r->status, SB_GITHUB_RETRIES);
	} else {
		ret = sb_error_set(err, SB_E_GITHUB,
			"%s: unexpected answer from the GitHub API at %s "
			"(%s, %ld)", doing, g->base, gm, r->status);
	}
	if (err && *err)
		(*err)->http_status = r->status;
	return ret;
}

int
sb_github_key_add(struct sb_github *g, const char *slug, const char *title,
		  const char *pubkey, int read_only, long long *id,
		  struct sb_error **err)
{
	_cleanup_json_ json_object *req = NULL, *o = NULL;
	_cleanup_free_ char *path = NULL, *doing = NULL;
	struct reply r = { 0 };
	json_object *jid;
	int ret = -1;

	if (!sb_repo_slug_ok(slug))
		return sb_error_set(err, SB_E_INPUT, "bad repository '%s'",
				    slug);
	if (asprintf(&path, "/repos/%s/keys", slug) < 0 ||
	    asprintf(&doing, "adding a deploy key to '%s'", slug) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	req = json_object_new_object();
	json_object_object_add(req, "title", json_object_new_string(title));
	json_object_object_add(req, "key", json_object_new_string(pubkey));
	json_object_object_add(req, "read_only",
			       json_object_new_boolean(read_only));
	if (request(g, "POST", path, json_object_to_json_string_ext(req,
		    JSON_C_TO_STRING_PLAIN), &r, err) < 0)
		goto out;
	if (r.status != 201 && r.status != 200) {
		api_error(g, &r, slug, doing, err);
		goto out;
	}
	o = r.body.data ? json_tokener_parse(r.body.data) : NULL;
	if (!o || !json_object_object_get_ex(o, "id", &jid) ||
	    !json_object_is_type(jid, json_type_int) ||
	    json_object_get_int64(jid) <= 0) {
		sb_error_set(err, SB_E_GITHUB, "%s: the GitHub API at %s "
			     "answered %ld without a key id", doing, g->base,
			     r.status);
		goto out;
	}
	*id = json_object_get_int64(jid);
	ret = 0;
out:
	sb_buf_release(&r.body);
	return ret;
}

/* The API path of one key of slug, and the words for its error messages
 * ("deleting deploy key ID from 'SLUG'"). */
static int
key_target(const char *slug, long long id, const char *verb,
	   const char *prep, char **path, char **doing, struct sb_error **err)
{
	if (!sb_repo_slug_ok(slug))
		return sb_error_set(err, SB_E_INPUT, "bad repository '%s'",
				    slug);
	*path = sb_text_fmt("/repos/%s/keys/%lld", slug, id);
	*doing = sb_text_fmt("%s deploy key %lld %s '%s'", verb, id, prep,
			     slug);
	if (!*path || !*doing)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}

/* GitHub answers 404 both for a key that is gone and for a repository the
 * token may not administer.  The repository's own "permissions.admin"
 * tells the two apart, so a key is never reported deleted when it stays. */
static int
gone_or_hidden(struct sb_github *g, const char *slug, struct reply *del,
	       const char *doing, struct sb_error **err)
{
	_cleanup_free_ char *path = sb_text_fmt("/repos/%s", slug);
	_cleanup_json_ json_object *o = NULL;
	struct reply r = { 0 };
	json_object *perm, *admin;
	int ret = -1;

	if (!path)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (request(g, "GET", path, NULL, &r, err) < 0)
		return -1;
	if (r.status == 200 && r.body.data &&
	    (o = json_tokener_parse(r.body.data)) &&
	    json_object_object_get_ex(o, "permissions", &perm) &&
	    json_object_object_get_ex(perm, "admin", &admin) &&
	    json_object_get_boolean(admin))
		ret = 0;
	else if (r.status == 200 || r.status == 404)
		api_error(g, del, slug, doing, err);
	else
		api_error(g, &r, slug, doing, err);
	sb_buf_release(&r.body);
	return ret;
}

int
sb_github_key_delete(struct sb_github *g, const char *slug, long long id,
		     struct sb_error **err)
{
	_cleanup_free_ char *path = NULL, *doing = NULL;
	struct reply r = { 0 };
	int ret = -1;

	if (key_target(slug, id, "deleting", "from", &path, &doing, err) < 0)
		return -1;
	if (request(g, "DELETE", path, NULL, &r, err) < 0)
		goto out;
	if (r.status == 204 || r.status == 200)
		ret = 0;
	else if (r.status == 404)
		ret = gone_or_hidden(g, slug, &r, doing, err);
	else
		api_error(g, &r, slug, doing, err);
out:
	sb_buf_release(&r.body);
	return ret;
}
