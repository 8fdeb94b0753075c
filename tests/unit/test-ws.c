/* Websocket framing and the client's behaviour on a socketpair: lengths at
 * every encoding boundary, masking, incomplete input, protocol errors,
 * fragments with a ping in between, close, end of stream and the
 * handshake's accept check. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "tap.h"
#include "incus/ws.h"
#include "incus/ws_frame.h"

static void
accept_key(void)
{
	char out[29];

	/* The example of RFC 6455 section 1.3. */
	sb_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "accept value");
}

/* Builds a frame (masked when key is given) into a new buffer. */
static unsigned char *
build(int fin, int op, const unsigned char *p, size_t n,
      const unsigned char *key, size_t *len)
{
	unsigned char *f = malloc(SB_WS_MAX_HEADER + n + 1);
	size_t h = sb_ws_header(f, fin, op, n, key);

	if (n)
		memcpy(f + h, p, n);
	if (key)
		sb_ws_mask(f + h, n, key, 0);
	*len = h + n;
	return f;
}

static void
lengths(void)
{
	static const struct { size_t len; size_t hdr; } cases[] = {
		{ 0, 2 }, { 1, 2 }, { 125, 2 }, { 126, 4 }, { 127, 4 },
		{ 65535, 4 }, { 65536, 10 }, { 70000, 10 },
	};
	static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int masked = 0; masked < 2; masked++) {
			size_t n = cases[i].len, len;
			unsigned char *p = malloc(n + 1);
			unsigned char *f;
			struct sb_ws_frame fr;
			long r;

			for (size_t k = 0; k < n; k++)
				p[k] = (unsigned char)(k * 7 + 3);
			f = build(1, SB_WS_BINARY, p, n, masked ? key : NULL,
				  &len);
			CHECK(len == n + cases[i].hdr + (masked ? 4 : 0),
			      "length %zu: frame size %zu", n, len);
			if (masked && n >= 4)
				CHECK(memcmp(f + len - n, p, 4) != 0,
				      "length %zu: payload is masked", n);
			r = sb_ws_parse(f, len, SB_WS_MAX_PAYLOAD, &fr, NULL);
			CHECK(r == (long)len, "length %zu masked %d: parsed %ld",
			      n, masked, r);
			CHECK(fr.len == n && fr.fin && fr.opcode == SB_WS_BINARY &&
			      fr.masked == masked, "length %zu: fields", n);
			CHECK(n == 0 || memcmp(fr.payload, p, n) == 0,
			      "length %zu masked %d: payload round trip", n,
			      masked);
			/* Every strict prefix needs more input. */
			int prefixes_ok = 1;
			for (size_t k = 0; k < len; k += (k < 20 ? 1 : 997)) {
				struct sb_ws_frame g;

				if (sb_ws_parse(f, k, SB_WS_MAX_PAYLOAD, &g,
						NULL) != 0)
					prefixes_ok = 0;
			}
			CHECK(prefixes_ok, "length %zu: prefixes need more", n);
			CHECK(sb_ws_parse(f, len - 1, SB_WS_MAX_PAYLOAD, &fr,
					  NULL) == 0 || len == 0,
			      "length %zu: one byte short", n);
			free(f);
			free(p);
		}
	}
}

static void
header_bytes(void)
{
	unsigned char h[SB_WS_MAX_HEADER];
	static const unsigned char key[4] = { 1, 2, 3, 4 };

	CHECK(sb_ws_header(h, 1, SB_WS_TEXT, 0, NULL) == 2 && h[0] == 0x81 &&
	      h[1] == 0x00, "empty text barrier: 81 00");
	CHECK(sb_ws_header(h, 1, SB_WS_CLOSE, 2, key) == 6 && h[0] == 0x88 &&
	      h[1] == 0x82 && memcmp(h + 2, key, 4) == 0, "masked close");
	CHECK(sb_ws_header(h, 0, SB_WS_BINARY, 126, NULL) == 4 &&
	      h[0] == 0x02 && h[1] == 126 && h[2] == 0 && h[3] == 126,
	      "16-bit length, no FIN");
	CHECK(sb_ws_header(h, 1, SB_WS_BINARY, 65536, NULL) == 10 &&
	      h[1] == 127 && h[2] == 0 && h[7] == 1 && h[8] == 0 && h[9] == 0,
	      "64-bit length 65536");
}

static void
masking(void)
{
	unsigned char p[9] = "abcdefgh";
	static const unsigned char key[4] = { 0xff, 0x00, 0x0f, 0xf0 };

	sb_ws_mask(p, 8, key, 0);
	CHECK(p[0] == ('a' ^ 0xff) && p[1] == 'b' && p[2] == ('c' ^ 0x0f) &&
	      p[4] == ('e' ^ 0xff), "mask applies the key cyclically");
	sb_ws_mask(p, 8, key, 0);
	CHECK(memcmp(p, "abcdefgh", 8) == 0, "masking twice restores");
	sb_ws_mask(p + 1, 7, key, 1);
	sb_ws_mask(p, 1, key, 0);
	CHECK(p[0] == ('a' ^ 0xff) && p[1] == 'b' && p[5] == 'f',
	      "offset continues the key");
}

static void
bad_frames(void)
{
	static const struct { unsigned char b[12]; size_t n; const char *what; }
	cases[] = {
		{ { 0xc2, 0x00 }, 2, "reserved bit" },
		{ { 0x83, 0x00 }, 2, "unknown opcode 3" },
		{ { 0x8b, 0x00 }, 2, "unknown opcode 11" },
		{ { 0x09, 0x00 }, 2, "fragmented ping" },
		{ { 0x89, 0x7e, 0x00, 0x7e }, 4, "ping of 126 bytes" },
		{ { 0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1 }, 10, "top bit" },
		{ { 0x82, 0x7f, 0, 0, 0, 0, 0, 0x20, 0, 0 }, 10, "over max" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *err = NULL;
		unsigned char b[12];
		struct sb_ws_frame f;

		memcpy(b, cases[i].b, sizeof(b));
		CHECK(sb_ws_parse(b, cases[i].n, SB_WS_MAX_PAYLOAD, &f,
				  &err) == -1 && err, "%s is refused",
		      cases[i].what);
	}
}

/* ---- the client against a hand-driven peer ---- */

static int
pair(struct sb_ws **ws, int *peer)
{
	int sv[2];
	struct sb_ws_io io;
	int big = 1 << 20;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	sb_ws_io_fd(sv[0], &io);
	*ws = sb_ws_new(&io, NULL);
	*peer = sv[1];
	return *ws ? 0 : -1;
}

static void
peer_send(int fd, int fin, int op, const void *p, size_t n)
{
	size_t len;
	unsigned char *f = build(fin, op, p, n, NULL, &len);

	if (write(fd, f, len) != (ssize_t)len)
		fprintf(stderr, "short write\n");
	free(f);
}

/* Reads one client frame from the peer side (blocking). */
static int
peer_read(int fd, unsigned char *buf, size_t cap, struct sb_ws_frame *f)
{
	size_t n = 0;

	for (;;) {
		long r = sb_ws_parse(buf, n, SB_WS_MAX_PAYLOAD, f, NULL);
		ssize_t k;

		if (r != 0)
			return (int)r;
		k = read(fd, buf + n, cap - n);
		if (k <= 0)
			return -1;
		n += (size_t)k;
	}
}

static void
messages(void)
{
	struct sb_ws *ws;
	int peer;
	struct sb_ws_msg m;
	struct sb_ws_frame f;
	static unsigned char buf[200000];
	_cleanup_error_ struct sb_error *err = NULL;

	if (pair(&ws, &peer) < 0) {
		CHECK(0, "socketpair");
		return;
	}
	CHECK(sb_ws_read(ws, &m, &err) == 0, "nothing yet: would block");

	/* A fragmented text message with a ping in the middle. */
	peer_send(peer, 0, SB_WS_TEXT, "hel", 3);
	peer_send(peer, 1, SB_WS_PING, "keepalive", 9);
	peer_send(peer, 0, SB_WS_CONT, "l", 1);
	peer_send(peer, 1, SB_WS_CONT, "o", 1);
	CHECK(sb_ws_read(ws, &m, &err) == 1 && m.opcode == SB_WS_TEXT &&
	      m.len == 5 && memcmp(m.data, "hello", 5) == 0,
	      "fragments reassembled");
	CHECK(peer_read(peer, buf, sizeof(buf), &f) > 0 &&
	      f.opcode == SB_WS_PONG && f.masked && f.len == 9 &&
	      memcmp(f.payload, "keepalive", 9) == 0,
	      "ping answered with a masked pong of the same payload");

	/* A binary frame split across two writes. */
	{
		size_t len;
		unsigned char *fr = build(1, SB_WS_BINARY,
					  (const unsigned char *)"0123456789",
					  10, NULL, &len);

		CHECK(write(peer, fr, 5) == 5, "write");
		CHECK(sb_ws_read(ws, &m, &err) == 0, "half a frame: need more");
		CHECK(write(peer, fr + 5, len - 5) == (ssize_t)(len - 5),
		      "write");
		CHECK(sb_ws_read(ws, &m, &err) == 1 &&
		      m.opcode == SB_WS_BINARY && m.len == 10 &&
		      memcmp(m.data, "0123456789", 10) == 0,
		      "split frame delivered whole");
		free(fr);
	}

	/* The empty text barrier. */
	peer_send(peer, 1, SB_WS_TEXT, "", 0);
	CHECK(sb_ws_read(ws, &m, &err) == 1 && m.opcode == SB_WS_TEXT &&
	      m.len == 0, "empty text frame");

	/* Client frames: masked, every length encoding. */
	{
		static unsigned char big[70000];
		size_t sizes[] = { 0, 125, 126, 65535, 65536, 70000 };

		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = (unsigned char)(i ^ (i >> 8));
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			int ok = sb_ws_send(ws, SB_WS_BINARY, big, sizes[i],
					    &err) == 0;

			CHECK(ok && peer_read(peer, buf, sizeof(buf), &f) > 0 &&
			      f.masked && f.fin && f.opcode == SB_WS_BINARY &&
			      f.len == sizes[i] &&
			      memcmp(f.payload, big, sizes[i]) == 0,
			      "send %zu bytes", sizes[i]);
		}
		CHECK(sb_ws_send_frame(ws, 0, SB_WS_TEXT, "ab", 2, &err) == 0 &&
		      peer_read(peer, buf, sizeof(buf), &f) > 0 && !f.fin &&
		      f.opcode == SB_WS_TEXT, "first fragment");
		CHECK(sb_ws_send_frame(ws, 1, SB_WS_CONT, "c", 1, &err) == 0 &&
		      peer_read(peer, buf, sizeof(buf), &f) > 0 && f.fin &&
		      f.opcode == SB_WS_CONT && f.payload[0] == 'c',
		      "last fragment");
	}

	/* A continuation without a start is a protocol error. */
	{
		struct sb_ws *w2;
		int p2;
		_cleanup_error_ struct sb_error *e2 = NULL;

		if (pair(&w2, &p2) == 0) {
			peer_send(p2, 1, SB_WS_CONT, "x", 1);
			CHECK(sb_ws_read(w2, &m, &e2) == -1 && e2,
			      "stray continuation refused");
			sb_ws_free(w2);
			close(p2);
		}
	}

	/* Close: delivered with its code and echoed once. */
	peer_send(peer, 1, SB_WS_CLOSE, "\x03\xe8" "bye", 5);
	CHECK(sb_ws_read(ws, &m, &err) == 1 && m.opcode == SB_WS_CLOSE &&
	      m.close_code == 1000 && m.len == 3, "close frame delivered");
	CHECK(peer_read(peer, buf, sizeof(buf), &f) > 0 &&
	      f.opcode == SB_WS_CLOSE && f.masked && f.len == 2 &&
	      f.payload[0] == 0x03 && f.payload[1] == 0xe8, "close echoed");
	sb_ws_close(ws, 1000); /* second close: nothing sent */

	/* The peer hangs up: end of stream, for good. */
	close(peer);
	CHECK(sb_ws_read(ws, &m, &err) == 1 && m.opcode == SB_WS_EOF, "eof");
	CHECK(sb_ws_read(ws, &m, &err) == 1 && m.opcode == SB_WS_EOF,
	      "eof again");
	sb_ws_free(ws);
}

/* Queued sends never block: a full socket leaves the rest pending, and
 * flushing after the peer reads delivers every frame intact, in order. */
static void
queued(void)
{
	int sv[2], small = 4096;
	struct sb_ws_io io;
	struct sb_ws *ws;
	static unsigned char data[200000], got[400000];
	size_t n = 0, want;
	_cleanup_error_ struct sb_error *err = NULL;
	int r, flushed = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	sb_ws_io_fd(sv[0], &io);
	ws = sb_ws_new(&io, NULL);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 13);
	CHECK(sb_ws_queue_frame(ws, 1, SB_WS_BINARY, data, 100000, &err) == 0,
	      "queue one");
	CHECK(sb_ws_queue_frame(ws, 1, SB_WS_BINARY, data + 100000, 100000,
				&err) == 0, "queue two");
	CHECK(sb_ws_pending(ws) > 0, "a small socket leaves bytes pending");
	want = 2 * (100000 + 10 + 4);
	while (n < want) {
		ssize_t k = read(sv[1], got + n, sizeof(got) - n);

		if (k <= 0)
			break;
		n += (size_t)k;
		r = sb_ws_flush(ws, &err);
		if (r < 0)
			break;
		flushed |= r == 1;
	}
	CHECK(n == want && flushed && sb_ws_pending(ws) == 0,
	      "all %zu bytes arrived (%zu)", want, n);
	{
		struct sb_ws_frame f;
		long a = sb_ws_parse(got, n, SB_WS_MAX_PAYLOAD, &f, NULL);
		int ok1 = a > 0 && f.len == 100000 &&
			  memcmp(f.payload, data, 100000) == 0;
		long b = a > 0 ? sb_ws_parse(got + a, n - (size_t)a,
					     SB_WS_MAX_PAYLOAD, &f, NULL) : 0;

		CHECK(ok1 && b > 0 && f.len == 100000 &&
		      memcmp(f.payload, data + 100000, 100000) == 0,
		      "both frames intact and in order");
	}
	sb_ws_free(ws);
	close(sv[1]);
}

/* ---- handshake ---- */

struct server {
	int fd;
	int bad_accept;
	int status;
	char request[4096];
};

static void *
serve(void *arg)
{
	struct server *s = arg;
	size_t n = 0;
	char *key, *eol, accept[29], reply[512];
	int len;

	while (!strstr(s->request, "\r\n\r\n") && n < sizeof(s->request) - 1) {
		ssize_t k = read(s->fd, s->request + n,
				 sizeof(s->request) - 1 - n);

		if (k <= 0)
			return NULL;
		n += (size_t)k;
		s->request[n] = '\0';
	}
	key = strstr(s->request, "Sec-WebSocket-Key: ");
	if (!key)
		return NULL;
	key = strndup(key + 19, 64);
	if ((eol = strstr(key, "\r\n")))
		*eol = '\0';
	sb_ws_accept(key, accept);
	free(key);
	if (s->bad_accept)
		accept[0] ^= 1;
	if (s->status != 101)
		len = snprintf(reply, sizeof(reply),
			       "HTTP/1.1 %d Forbidden\r\nContent-Length: 0\r\n"
			       "\r\n", s->status);
	else
		/* A frame right behind the headers, in the same write. */
		len = snprintf(reply, sizeof(reply),
			       "HTTP/1.1 101 Switching Protocols\r\n"
			       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			       "sec-websocket-accept:  %s \r\n\r\n"
			       "\x82\x02hi", accept);
	if (write(s->fd, reply, (size_t)len) != len)
		return NULL;
	return NULL;
}

static void
handshake(void)
{
	static const struct { int bad, status, ok; const char *what; } cases[] = {
		{ 0, 101, 1, "good accept" },
		{ 1, 101, 0, "wrong accept" },
		{ 0, 403, 0, "refused" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sb_ws *ws;
		struct server s = { .bad_accept = cases[i].bad,
				    .status = cases[i].status };
		pthread_t t;
		_cleanup_error_ struct sb_error *err = NULL;
		struct sb_ws_msg m;
		int r;

		if (pair(&ws, &s.fd) < 0)
			continue;
		pthread_create(&t, NULL, serve, &s);
		r = sb_ws_handshake(ws, "incus", "/1.0/operations/x/websocket"
				    "?secret=abc", 2000, &err);
		pthread_join(t, NULL);
		CHECK((r == 0) == cases[i].ok, "%s: %s", cases[i].what,
		      err ? err->msg : "ok");
		if (i == 0) {
			CHECK(strncmp(s.request, "GET /1.0/operations/x/"
				      "websocket?secret=abc HTTP/1.1\r\n",
				      50) == 0 &&
			      strstr(s.request, "Upgrade: websocket\r\n") &&
			      strstr(s.request, "Sec-WebSocket-Version: 13"),
			      "request line and headers");
			CHECK(sb_ws_read(ws, &m, &err) == 1 &&
			      m.opcode == SB_WS_BINARY && m.len == 2 &&
			      memcmp(m.data, "hi", 2) == 0,
			      "frame after the headers is kept");
		}
		if (i == 2)
			CHECK(err && strstr(err->msg, "403"),
			      "refusal names the status: %s",
			      err ? err->msg : "");
		sb_ws_free(ws);
		close(s.fd);
	}
}

int
main(void)
{
	accept_key();
	lengths();
	header_bytes();
	masking();
	bad_frames();
	messages();
	queued();
	handshake();
	return tap_done();
}
