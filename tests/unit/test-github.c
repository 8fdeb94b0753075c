/* The GitHub deploy-key client against a recorded-reply server of our own
 * (curl's habit): a thread on 127.0.0.1 answers each request with the
 * next canned reply and records what it was sent, so each test checks
 * both the message a person reads and the exact requests made. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "creds/github.h"
#include "tap.h"
#include "testutil.h"

#define TOKEN "ghp_unitTestSecret0123456789"
#define MAXREQ 16

struct canned {
	int status;
	const char *headers; /* extra header lines, each ending \r\n */
	const char *body;
};

static struct {
	pthread_mutex_t lock;
	int fd, port;
	pthread_t thread;
	struct canned replies[8];
	int nreplies, next;
	char *req[MAXREQ]; /* "METHOD PATH\n<headers>\n\n<body>" */
	int nreq;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
script(int n, const struct canned *r)
{
	pthread_mutex_lock(&srv.lock);
	for (int i = 0; i < srv.nreq; i++)
		free(srv.req[i]);
	srv.nreq = 0;
	if (n)
		memcpy(srv.replies, r, (size_t)n * sizeof(*r));
	srv.nreplies = n;
	srv.next = 0;
	pthread_mutex_unlock(&srv.lock);
}

static void
serve_one(int c)
{
	char buf[16384];
	size_t len = 0;
	char *end = NULL, *cl;
	size_t need = 0;
	struct canned r;
	char out[8192];
	int n;

	while (len < sizeof(buf) - 1) {
		ssize_t k = read(c, buf + len, sizeof(buf) - 1 - len);

		if (k <= 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf) +
			       (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end && len >= need)
			break;
	}
	buf[len] = '\0';
	pthread_mutex_lock(&srv.lock);
	if (srv.nreq < MAXREQ)
		srv.req[srv.nreq++] = strdup(buf);
	r = srv.replies[srv.next < srv.nreplies ? srv.next :
			srv.nreplies - 1];
	srv.next++;
	pthread_mutex_unlock(&srv.lock);
	n = snprintf(out, sizeof(out),
		     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
		     r.status, strlen(r.body), r.headers ? r.headers : "",
		     r.body);
	if (write(c, out, (size_t)n) < 0)
		return;
}

static void *
serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv.fd, NULL, NULL);

		if (c < 0)
			return NULL;
		serve_one(c);
		close(c);
	}
}

static void
start_server(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char url[64];

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa));
	listen(srv.fd, 8);
	getsockname(srv.fd, (struct sockaddr *)&sa, &sl);
	srv.port = ntohs(sa.sin_port);
	pthread_create(&srv.thread, NULL, serve, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
	setenv("GITHUB_API_URL", url, 1);
}

static int
nreq(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.nreq;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

static const char *
req(int i)
{
	const char *r;

	pthread_mutex_lock(&srv.lock);
	r = i < srv.nreq ? srv.req[i] : "";
	pthread_mutex_unlock(&srv.lock);
	return r;
}

/* Every message must be actionable and must never carry the token. */
static void
check_msg(struct sb_error *e, const char *want1, const char *want2,
	  const char *what)
{
	CHECK(e != NULL, "%s: an error", what);
	if (!e)
		return;
	CHECK(strstr(e->msg, want1) != NULL, "%s: '%s' in: %s", what, want1,
	      e->msg);
	if (want2)
		CHECK(strstr(e->msg, want2) != NULL, "%s: '%s' in: %s", what,
		      want2, e->msg);
	CHECK(strstr(e->msg, TOKEN) == NULL, "%s: token leaked: %s", what,
	      e->msg);
	CHECK(strchr(e->msg, '\n') == NULL, "%s: one line: %s", what, e->msg);
}

static void
test_token_sources(void)
{
	struct sb_error *e = NULL;
	struct sb_github *g;
	char dir[] = "/tmp/test-github-XXXXXX", gh[128];

	unsetenv("GH_TOKEN");
	unsetenv("GITHUB_TOKEN");
	setenv("PATH", "/nonexistent", 1);
	g = sb_github_open(&e);
	CHECK(g == NULL, "no token, no gh: refused");
	check_msg(e, "GH_TOKEN", "gh auth login", "no token");
	sb_error_free(e), e = NULL;

	/* A gh that prints a token. */
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(gh, sizeof(gh), "%s/gh", dir);
	tu_write_file(dir, "gh",
		      "#!/bin/sh\n[ \"$1 $2\" = 'auth token' ] && "
		      "echo ' from-gh-123 '\n",
		      0755);
	setenv("PATH", dir, 1);
	g = sb_github_open(&e);
	CHECK(g != NULL, "gh auth token used");
	if (g)
		CHECK_STR(sb_github_token_source(g), "gh auth token",
			  "source");
	sb_github_free(g);
	setenv("GITHUB_TOKEN", "from-env", 1);
	g = sb_github_open(&e);
	CHECK(g && strcmp(sb_github_token_source(g), "GITHUB_TOKEN") == 0,
	      "GITHUB_TOKEN before gh");
	sb_github_free(g);
	setenv("GH_TOKEN", TOKEN, 1);
	g = sb_github_open(&e);
	CHECK(g && strcmp(sb_github_token_source(g), "GH_TOKEN") == 0,
	      "GH_TOKEN first");
	sb_github_free(g);
	setenv("GH_TOKEN", "two words", 1);
	g = sb_github_open(&e);
	CHECK(g == NULL, "token with a space refused");
	check_msg(e, "GH_TOKEN", "not usable", "bad token");
	CHECK(strstr(e->msg, "two words") == NULL, "bad token not echoed");
	sb_error_free(e), e = NULL;
	unlink(gh);
	rmdir(dir);
	setenv("PATH", "/usr/bin:/bin", 1);
	unsetenv("GITHUB_TOKEN");
	setenv("GH_TOKEN", TOKEN, 1);
}

static struct sb_github *
open_ok(void)
{
	struct sb_error *e = NULL;
	struct sb_github *g = sb_github_open(&e);

	CHECK(g != NULL, "open: %s", e ? e->msg : "");
	sb_error_free(e);
	return g;
}

static void
test_add_ok(void)
{
	static const struct canned r[] = {
		{ 201, NULL, "{\"id\":4242,\"key\":\"ssh-ed25519 AAAA\"}" },
	};
	struct sb_github *g = open_ok();
	struct sb_error *e = NULL;
	long long id = 0;
	const char *q;

	script(1, r);
	CHECK(sb_github_key_add(g, "octo/hello", "sandbox-api",
				"ssh-ed25519 AAAAC3Nza test", 0, &id, &e) == 0,
	      "add: %s", e ? e->msg : "");
	CHECK(id == 4242, "id %lld", id);
	CHECK(nreq() == 1, "one request, got %d", nreq());
	q = req(0);
	CHECK(strncmp(q, "POST /repos/octo/hello/keys HTTP/1.1\r\n", 38) == 0,
	      "request line: %.60s", q);
	CHECK(strstr(q, "\r\nAuthorization: Bearer " TOKEN "\r\n") != NULL,
	      "bearer token sent");
	CHECK(strstr(q, "\r\nAccept: application/vnd.github+json\r\n") != NULL,
	      "accept header");
	CHECK(strstr(q, "\r\nUser-Agent: sandbox/") != NULL, "user agent");
	CHECK(strstr(q, "\"title\":\"sandbox-api\"") != NULL, "title: %s", q);
	CHECK(strstr(q, "\"key\":\"ssh-ed25519 AAAAC3Nza test\"") != NULL,
	      "key");
	CHECK(strstr(q, "\"read_only\":false") != NULL, "write access");
	sb_github_free(g);
	sb_error_free(e);
}

struct mapcase {
	const char *what;
	struct canned reply;
	const char *want1, *want2;
	int requests;
};

static void
test_error_map(void)
{
	char reset[128];
	struct mapcase cases[] = {
		{ "401", { 401, NULL, "{\"message\":\"Bad credentials\"}" },
		  "missing or invalid", "GH_TOKEN", 1 },
		{ "404", { 404, NULL, "{\"message\":\"Not Found\"}" },
		  "does not exist or the token from GH_TOKEN has no admin",
		  "'octo/hello'", 1 },
		{ "403", { 403, NULL, "{\"message\":\"Must have admin "
			   "rights to Repository.\"}" },
		  "no admin access", "Must have admin rights", 1 },
		{ "422", { 422, NULL, "{\"message\":\"Validation Failed\","
			   "\"errors\":[{\"resource\":\"PublicKey\",\"code\":"
			   "\"custom\",\"message\":\"key is already in use\"}]}" },
		  "key is already in use", "already registered", 1 },
		{ "403 rate", { 403, reset, "{\"message\":\"API rate limit "
				"exceeded\"}" },
		  "rate limit", "minutes)", 1 },
		{ "429", { 429, "Retry-After: 30\r\n", "{}" },
		  "rate limit", "(in 30 seconds)", 1 },
		{ "secondary", { 403, "Retry-After: 7\r\n",
				 "{\"message\":\"secondary rate limit\"}" },
		  "retry after", "(in 7 seconds)", 1 },
		{ "500", { 500, NULL, "{\"message\":\"boom\"}" },
		  "kept failing", "after 3 retries", 4 },
		{ "502 not json", { 502, NULL, "<html>bad gateway</html>" },
		  "kept failing", "502", 4 },
		{ "201 no id", { 201, NULL, "{}" }, "without a key id", NULL,
		  1 },
	};

	snprintf(reset, sizeof(reset),
		 "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: %lld\r\n",
		 (long long)time(NULL) + 600);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_github *g = open_ok();
		struct sb_error *e = NULL;
		long long id = 0;
		int r;

		script(1, &cases[i].reply);
		r = sb_github_key_add(g, "octo/hello", "t", "ssh-ed25519 A",
				      0, &id, &e);
		CHECK(r == -1, "%s: fails", cases[i].what);
		check_msg(e, cases[i].want1, cases[i].want2, cases[i].what);
		CHECK(nreq() == cases[i].requests, "%s: %d requests, want %d",
		      cases[i].what, nreq(), cases[i].requests);
		if (e && cases[i].reply.status >= 400)
			CHECK(e->http_status == cases[i].reply.status,
			      "%s: status kept", cases[i].what);
		sb_error_free(e);
		sb_github_free(g);
	}
}

static void
test_retry_then_ok(void)
{
	static const struct canned r[] = {
		{ 500, NULL, "{}" },
		{ 503, NULL, "{}" },
		{ 201, NULL, "{\"id\":7}" },
	};
	struct sb_github *g = open_ok();
	struct sb_error *e = NULL;
	long long id = 0;

	script(3, r);
	CHECK(sb_github_key_add(g, "octo/hello", "t", "k", 0, &id, &e) == 0,
	      "5xx retried: %s", e ? e->msg : "");
	CHECK(id == 7 && nreq() == 3, "id %lld after %d requests", id,
	      nreq());
	sb_error_free(e);
	sb_github_free(g);
}

static void
test_delete_get(void)
{
	static const struct canned gone[] = { { 204, NULL, "" } };
	static const struct canned nf_admin[] = {
		{ 404, NULL, "{\"message\":\"Not Found\"}" },
		{ 200, NULL, "{\"full_name\":\"octo/hello\",\"permissions\":"
			     "{\"admin\":true,\"push\":true}}" },
	};
	static const struct canned nf_noadmin[] = {
		{ 404, NULL, "{\"message\":\"Not Found\"}" },
		{ 200, NULL, "{\"permissions\":{\"admin\":false}}" },
	};
	static const struct canned nf_norepo[] = {
		{ 404, NULL, "{\"message\":\"Not Found\"}" },
	};
	struct sb_github *g = open_ok();
	struct sb_error *e = NULL;

	script(1, gone);
	CHECK(sb_github_key_delete(g, "octo/hello", 5, &e) == 0, "delete 204");
	CHECK(strncmp(req(0), "DELETE /repos/octo/hello/keys/5 ", 32) == 0,
	      "delete request: %.50s", req(0));
	script(2, nf_admin);
	CHECK(sb_github_key_delete(g, "octo/hello", 5, &e) == 0,
	      "a key already gone counts as deleted");
	CHECK(nreq() == 2 && strncmp(req(1), "GET /repos/octo/hello ", 22) == 0,
	      "repository asked: %.40s", req(1));
	script(2, nf_noadmin);
	CHECK(sb_github_key_delete(g, "octo/hello", 5, &e) == -1,
	      "404 without admin is not a deletion");
	check_msg(e, "no admin access", "deleting deploy key 5", "del 404");
	sb_error_free(e), e = NULL;
	script(1, nf_norepo);
	CHECK(sb_github_key_delete(g, "octo/hello", 5, &e) == -1,
	      "404 on the repository too");
	check_msg(e, "does not exist", NULL, "del 404 repo");
	sb_error_free(e), e = NULL;
	CHECK(sb_github_key_add(g, "../etc", "t", "k", 0, &(long long){ 0 },
				&e) == -1, "bad slug refused");
	sb_error_free(e);
	sb_github_free(g);
}

static void
test_network(void)
{
	struct sb_error *e = NULL;
	struct sb_github *g;
	long long id;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char url[64], saved[64];

	/* A port that was just free: nothing listens there. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	snprintf(saved, sizeof(saved), "%s", getenv("GITHUB_API_URL"));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	setenv("GITHUB_API_URL", url, 1);
	g = open_ok();
	CHECK(sb_github_key_add(g, "octo/hello", "t", "k", 0, &id, &e) == -1,
	      "refused connection fails");
	check_msg(e, "cannot reach the GitHub API at http://127.0.0.1:",
		  "GITHUB_API_URL", "network");
	sb_error_free(e);
	sb_github_free(g);
	setenv("GITHUB_API_URL", saved, 1);
}

static void
test_keys_page(void)
{
	char *p = sb_github_keys_page("octo/hello");

	CHECK_STR(p, "https://github.com/octo/hello/settings/keys", "page");
	free(p);
}

int
main(void)
{
	/* Before the server thread exists: under valgrind, the spawned gh
	 * child would otherwise report that thread's stack at its exit. */
	test_token_sources();
	start_server();
	test_add_ok();
	test_error_map();
	test_retry_then_ok();
	test_delete_get();
	test_network();
	test_keys_page();
	script(0, NULL);
	/* accept() returns once the socket is shut down; the thread ends. */
	shutdown(srv.fd, SHUT_RDWR);
	pthread_join(srv.thread, NULL);
	close(srv.fd);
	return tap_done();
}
