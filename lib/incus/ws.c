/* Websocket client connections and the handshake (RFC 6455); the
 * framing is in ws_frame.c.
 *
 * Written by us because Debian 12's libcurl 7.88 lacks websocket support;
 * libcurl still makes the connection (CONNECT_ONLY + curl_easy_send/recv),
 * so TLS to a remote daemon works through the same code path later. */
#include "incus/ws.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/clock.h"

#define HANDSHAKE_MAX 16384
#define IN_CAP (SB_WS_MAX_PAYLOAD + SB_WS_MAX_HEADER)
#define SEND_TIMEOUT_MS 30000

struct sb_ws {
	struct sb_ws_io io;
	unsigned char *in; /* received, not yet consumed */
	size_t in_len, in_off;
	struct sb_buf frag; /* a fragmented message being reassembled */
	struct sb_buf out;  /* frames queued, not yet written */
	size_t out_off;
	int frag_opcode;    /* 0 when none is in progress */
	int eof, closed_sent, close_seen;
};

/* ---- transports ---- */

struct fd_ctx {
	int fd;
};

static ssize_t
fd_send(void *ctx, const void *p, size_t n)
{
	return send(((struct fd_ctx *)ctx)->fd, p, n, MSG_NOSIGNAL);
}

static ssize_t
fd_recv(void *ctx, void *p, size_t n)
{
	return recv(((struct fd_ctx *)ctx)->fd, p, n, 0);
}

static void
fd_close(void *ctx)
{
	struct fd_ctx *c = ctx;

	close(c->fd);
	free(c);
}

int
sb_ws_io_fd(int fd, struct sb_ws_io *io)
{
	struct fd_ctx *c = malloc(sizeof(*c));
	int fl;

	if (!c)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	c->fd = fd;
	*io = (struct sb_ws_io){ fd_send, fd_recv, fd_close, c, fd };
	return 0;
}

/* curl_easy_send/recv's outcome as write/read would give it: EAGAIN to
 * poll and retry, fail_errno for anything else. */
static ssize_t
curl_io_result(CURLcode rc, size_t n, int fail_errno)
{
	if (rc == CURLE_OK)
		return (ssize_t)n;
	errno = rc == CURLE_AGAIN ? EAGAIN : fail_errno;
	return -1;
}

static ssize_t
curl_send_cb(void *ctx, const void *p, size_t n)
{
	size_t sent = 0;
	CURLcode rc = curl_easy_send(ctx, p, n, &sent);

	return curl_io_result(rc, sent, EPIPE);
}

static ssize_t
curl_recv_cb(void *ctx, void *p, size_t n)
{
	size_t got = 0;
	CURLcode rc = curl_easy_recv(ctx, p, n, &got);

	return curl_io_result(rc, got, ECONNRESET);
}

static void
curl_close_cb(void *ctx)
{
	curl_easy_cleanup(ctx);
}

/* ---- connections ---- */

struct sb_ws *
sb_ws_new(const struct sb_ws_io *io, struct sb_error **err)
{
	struct sb_ws *ws = calloc(1, sizeof(*ws));

	if (ws)
		ws->in = malloc(IN_CAP);
	if (!ws || !ws->in) {
		if (io->close)
			io->close(io->ctx);
		if (ws)
			free(ws);
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	ws->io = *io;
	ws->frag.max = SB_WS_MAX_PAYLOAD;
	ws->out.max = SB_WS_MAX_QUEUE;
	return ws;
}

void
sb_ws_free(struct sb_ws *ws)
{
	if (!ws)
		return;
	if (ws->io.close)
		ws->io.close(ws->io.ctx);
	sb_buf_release(&ws->frag);
	sb_buf_release(&ws->out);
	free(ws->in);
	free(ws);
}

int
sb_ws_fd(const struct sb_ws *ws)
{
	return ws->io.fd;
}

/* Waits for the fd; returns 1 ready, 0 timed out, -1 on error. */
static int
wait_fd(int fd, short ev, long deadline)
{
	for (;;) {
		long left = deadline - sb_clock_now_ms();
		struct pollfd p = { .fd = fd, .events = ev };
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (r > 0)
			return 1;
		if (r == 0)
			continue;
		if (errno != EINTR)
			return -1;
	}
}

int
sb_ws_flush(struct sb_ws *ws, struct sb_error **err)
{
	while (ws->out_off < ws->out.len) {
		ssize_t w = ws->io.send(ws->io.ctx, ws->out.data + ws->out_off,
					ws->out.len - ws->out_off);

		if (w > 0) {
			ws->out_off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return sb_error_sys(err, "websocket: sending");
	}
	sb_buf_reset(&ws->out);
	ws->out_off = 0;
	return 1;
}

size_t
sb_ws_pending(const struct sb_ws *ws)
{
	return ws->out.len - ws->out_off;
}

int
sb_ws_queue_frame(struct sb_ws *ws, int fin, int opcode, const void *p,
		  size_t n, struct sb_error **err)
{
	unsigned char key[4], h[SB_WS_MAX_HEADER];
	size_t hl, start;

	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return sb_error_sys(err, "websocket: getrandom");
	hl = sb_ws_header(h, fin, opcode, n, key);
	start = ws->out.len;
	if (sb_buf_append(&ws->out, h, hl) < 0 ||
	    sb_buf_append(&ws->out, p, n) < 0) {
		ws->out.overflow = 0;
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: more than %zu bytes queued "
				    "for a peer that does not read",
				    (size_t)SB_WS_MAX_QUEUE);
	}
	sb_ws_mask((unsigned char *)ws->out.data + start + hl, n, key, 0);
	return sb_ws_flush(ws, err) < 0 ? -1 : 0;
}

int
sb_ws_send_frame(struct sb_ws *ws, int fin, int opcode, const void *p,
		 size_t n, struct sb_error **err)
{
	long deadline = sb_clock_now_ms() + SEND_TIMEOUT_MS;
	int r;

	if (sb_ws_queue_frame(ws, fin, opcode, p, n, err) < 0)
		return -1;
	while ((r = sb_ws_flush(ws, err)) == 0)
		if (wait_fd(ws->io.fd, POLLOUT, deadline) <= 0)
			return sb_error_set(err, SB_E_DAEMON,
					    "websocket: peer does not take "
					    "data (timed out sending)");
	return r < 0 ? -1 : 0;
}

int
sb_ws_send(struct sb_ws *ws, int opcode, const void *p, size_t n,
	   struct sb_error **err)
{
	return sb_ws_send_frame(ws, 1, opcode, p, n, err);
}

int
sb_ws_close(struct sb_ws *ws, unsigned code)
{
	unsigned char b[2] = { (unsigned char)(code >> 8),
			       (unsigned char)code };

	if (ws->closed_sent || ws->eof)
		return 0;
	ws->closed_sent = 1;
	/* Best effort, never blocking: the server may have hung up already
	 * (INCUS-API.md §7b), and closing the socket says the same. */
	sb_ws_queue_frame(ws, 1, SB_WS_CLOSE, b, 2, SB_IGNORE);
	return 0;
}

static int
base64_key(char out[25])
{
	unsigned char raw[16];

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -1;
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	return 0;
}

/* The value of header name in the reply head, trimmed; NULL when absent. */
static char *
reply_header(const char *head, const char *name)
{
	size_t k = strlen(name);

	for (const char *l = strstr(head, "\r\n"); l; l = strstr(l, "\r\n")) {
		const char *v, *e;

		l += 2;
		if (strncasecmp(l, name, k) != 0 || l[k] != ':')
			continue;
		v = l + k + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		e = strstr(v, "\r\n");
		if (!e)
			e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		return strndup(v, (size_t)(e - v));
	}
	return NULL;
}

int
sb_ws_handshake(struct sb_ws *ws, const char *host, const char *path,
		int timeout_ms, struct sb_error **err)
{
	long deadline = sb_clock_now_ms() + timeout_ms;
	char key[25], want[29];
	_cleanup_free_ char *req = NULL, *accept = NULL;
	char *end = NULL;
	size_t n = 0, head;
	int len;

	if (base64_key(key) < 0)
		return sb_error_sys(err, "websocket: getrandom");
	len = asprintf(&req,
		       "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
		       "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		       "Sec-WebSocket-Version: 13\r\n\r\n", path, host, key);
	if (len < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	if (sb_buf_append(&ws->out, req, (size_t)len) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	for (int r; (r = sb_ws_flush(ws, err)) != 1;)
		if (r < 0 || wait_fd(ws->io.fd, POLLOUT, deadline) <= 0)
			return r < 0 ? -1 : sb_error_set(err, SB_E_DAEMON,
				"websocket: handshake not sent within %d ms",
				timeout_ms);
	/* Read the reply head; frame bytes may follow in the same read. */
	while (!end) {
		ssize_t r;

		if (n >= HANDSHAKE_MAX)
			return sb_error_set(err, SB_E_DAEMON,
					    "websocket: reply headers longer "
					    "than %d bytes", HANDSHAKE_MAX);
		r = ws->io.recv(ws->io.ctx, ws->in + n, HANDSHAKE_MAX - n);
		if (r == 0)
			return sb_error_set(err, SB_E_DAEMON,
					    "websocket: connection closed "
					    "during the handshake");
		if (r < 0) {
			int w;

			if (errno != EAGAIN && errno != EINTR)
				return sb_error_sys(err, "websocket: "
						    "reading the handshake");
			w = wait_fd(ws->io.fd, POLLIN, deadline);
			if (w <= 0)
				return sb_error_set(err, SB_E_DAEMON,
						    "websocket: no handshake "
						    "reply within %d ms",
						    timeout_ms);
			continue;
		}
		n += (size_t)r;
		ws->in[n] = '\0';
		end = memmem(ws->in, n, "\r\n\r\n", 4);
	}
	head = (size_t)(end - (char *)ws->in) + 4;
	end[2] = '\0';
	if (strncmp((char *)ws->in, "HTTP/1.1 101", 12) != 0) {
		char *eol = strstr((char *)ws->in, "\r\n");

		if (eol)
			*eol = '\0';
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket handshake for %s refused: %.80s",
				    host, (char *)ws->in);
	}
	accept = reply_header((char *)ws->in, "Sec-WebSocket-Accept");
	sb_ws_accept(key, want);
	if (!accept || strcmp(accept, want) != 0)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: bad Sec-WebSocket-Accept "
				    "'%s' (expected '%s')",
				    accept ? accept : "", want);
	memmove(ws->in, ws->in + head, n - head);
	ws->in_len = n - head;
	ws->in_off = 0;
	return 0;
}

struct sb_ws *
sb_ws_connect(struct sb_incus *c, const char *path, int timeout_ms,
	      struct sb_error **err)
{
	_cleanup_curl_ CURL *k = curl_easy_init();
	struct sb_ws_io io = { curl_send_cb, curl_recv_cb, curl_close_cb, NULL,
			       -1 };
	struct sb_ws *ws;
	curl_socket_t fd = CURL_SOCKET_BAD;
	CURLcode rc;

	if (!k) {
		sb_error_set(err, SB_E_SYSTEM, "cannot initialise libcurl");
		return NULL;
	}
	curl_easy_setopt(k, CURLOPT_URL, "http://incus/");
	curl_easy_setopt(k, CURLOPT_UNIX_SOCKET_PATH, sb_incus_socket(c));
	curl_easy_setopt(k, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	rc = curl_easy_perform(k);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(k, CURLINFO_ACTIVESOCKET, &fd);
	if (rc != CURLE_OK || fd == CURL_SOCKET_BAD) {
		sb_error_set(err, SB_E_NODAEMON,
			     "websocket: cannot connect to %s: %s",
			     sb_incus_socket(c), curl_easy_strerror(rc));
		return NULL;
	}
	io.fd = (int)fd;
	io.ctx = TAKE_PTR(k); /* the connection owns it from here */
	ws = sb_ws_new(&io, err);
	if (!ws)
		return NULL;
	if (sb_ws_handshake(ws, "incus", path, timeout_ms, err) < 0) {
		sb_ws_free(ws);
		return NULL;
	}
	return ws;
}

/* Delivers a control frame; returns 1 when it produced a message. */
static int
control(struct sb_ws *ws, const struct sb_ws_frame *f, struct sb_ws_msg *m)
{
	if (f->opcode == SB_WS_PING) {
		/* Incus pings every 10 s; a failed pong is not fatal. */
		if (!ws->closed_sent)
			sb_ws_queue_frame(ws, 1, SB_WS_PONG, f->payload,
					  f->len, SB_IGNORE);
		return 0;
	}
	if (f->opcode == SB_WS_PONG)
		return 0;
	ws->close_seen = 1;
	m->opcode = SB_WS_CLOSE;
	m->data = f->len > 2 ? f->payload + 2 : NULL;
	m->len = f->len > 2 ? f->len - 2 : 0;
	m->close_code = f->len >= 2 ?
		(unsigned)(f->payload[0] << 8 | f->payload[1]) : 1005;
	sb_ws_close(ws, f->len >= 2 ? m->close_code : 1000);
	return 1;
}

/* Handles one parsed frame; returns 1 with a message, 0 for none, -1. */
static int
frame(struct sb_ws *ws, const struct sb_ws_frame *f, struct sb_ws_msg *m,
      struct sb_error **err)
{
	if (f->masked)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: the server sent a masked "
				    "frame");
	if (f->opcode >= SB_WS_CLOSE)
		return control(ws, f, m);
	if (f->opcode == SB_WS_CONT && !ws->frag_opcode)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: continuation frame without "
				    "a message");
	if (f->opcode != SB_WS_CONT && ws->frag_opcode)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: new message inside a "
				    "fragmented one");
	if (f->opcode != SB_WS_CONT && f->fin) {
		m->opcode = f->opcode;
		m->data = f->payload;
		m->len = f->len;
		return 1;
	}
	if (f->opcode != SB_WS_CONT) {
		sb_buf_reset(&ws->frag);
		ws->frag_opcode = f->opcode;
	}
	if (sb_buf_append(&ws->frag, f->payload, f->len) < 0)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: fragmented message over the "
				    "limit of %zu bytes", SB_WS_MAX_PAYLOAD);
	if (!f->fin)
		return 0;
	m->opcode = ws->frag_opcode;
	m->data = (unsigned char *)ws->frag.data;
	m->len = ws->frag.len;
	ws->frag_opcode = 0;
	return 1;
}

int
sb_ws_read(struct sb_ws *ws, struct sb_ws_msg *m, struct sb_error **err)
{
	memset(m, 0, sizeof(*m));
	if (ws->frag_opcode == 0 && ws->frag.len)
		sb_buf_reset(&ws->frag);
	for (;;) {
		struct sb_ws_frame f;
		long used;
		ssize_t r;

		if (ws->eof) {
			m->opcode = SB_WS_EOF;
			return 1;
		}
		used = sb_ws_parse(ws->in + ws->in_off, ws->in_len - ws->in_off,
				   SB_WS_MAX_PAYLOAD, &f, err);
		if (used < 0)
			return -1;
		if (used > 0) {
			int got;

			ws->in_off += (size_t)used;
			got = frame(ws, &f, m, err);
			if (got)
				return got;
			continue;
		}
		/* Need more: compact, then read what is there. */
		if (ws->in_off) {
			memmove(ws->in, ws->in + ws->in_off,
				ws->in_len - ws->in_off);
			ws->in_len -= ws->in_off;
			ws->in_off = 0;
		}
		r = ws->io.recv(ws->io.ctx, ws->in + ws->in_len,
				IN_CAP - ws->in_len);
		if (r == 0 || (r < 0 && (errno == ECONNRESET ||
					 errno == EPIPE))) {
			/* Incus hangs up without a close frame (§7b). */
			ws->eof = 1;
			continue;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return sb_error_sys(err, "websocket: reading");
		}
		ws->in_len += (size_t)r;
	}
}
