/* A websocket client (RFC 6455), small and ours.
 *
 * Debian 12's libcurl 7.88 has no ws:// support (INCUS-API.md §0), so the
 * handshake and the framing live here; libcurl only opens the connection
 * (CURLOPT_CONNECT_ONLY), which keeps a later TLS transport to a remote
 * daemon a matter of the URL.  Bytes go through a struct sb_ws_io, two
 * function pointers and an fd to poll, so any transport can be plugged in.
 * The framing itself is in incus/ws_frame.h.  Client frames are always
 * masked with a fresh key from getrandom(2).
 *
 * A struct sb_ws is not thread-safe.  Reads never block; sb_ws_send
 * blocks (polling the fd) until the frame is written, sb_ws_queue_frame
 * never does.  Pongs are queued, so answering a ping never blocks. */
#ifndef SB_WS_H
#define SB_WS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "incus/incus.h"
#include "incus/ws_frame.h"

/* Pseudo opcode of sb_ws_read: the peer closed the connection. */
#define SB_WS_EOF (-1)

/* Largest frame payload and assembled message we accept (the Incus server
 * sends at most 32 KiB per frame). */
#define SB_WS_MAX_PAYLOAD ((size_t)1 << 20)
/* Most bytes queued for sending before sb_ws_queue_frame refuses. */
#define SB_WS_MAX_QUEUE ((size_t)4 << 20)

/* The transport.  send/recv return the bytes moved, or -1 with errno set
 * (EAGAIN when the call would block); recv returns 0 at end of stream.
 * close (may be NULL) releases ctx. */
struct sb_ws_io {
	ssize_t (*send)(void *ctx, const void *p, size_t n);
	ssize_t (*recv)(void *ctx, void *p, size_t n);
	void (*close)(void *ctx);
	void *ctx;
	int fd; /* what to poll() */
};

struct sb_ws;

/* Wraps a transport (ownership passes to the struct, also on failure). */
struct sb_ws *sb_ws_new(const struct sb_ws_io *io, struct sb_error **err);
/* A transport over a connected socket fd (taken over, closed at free).
 * The fd is made non-blocking. */
int sb_ws_io_fd(int fd, struct sb_ws_io *io);

/* Opens a connection to the daemon behind c with libcurl (CONNECT_ONLY)
 * and performs the handshake for path ("/1.0/operations/<id>/websocket?
 * secret=..."), within timeout_ms.  Blocks on the daemon. */
struct sb_ws *sb_ws_connect(struct sb_incus *c, const char *path,
			    int timeout_ms, struct sb_error **err);

/* Sends the upgrade request and checks the reply's Sec-WebSocket-Accept.
 * Bytes that follow the reply headers are kept for sb_ws_read. */
int sb_ws_handshake(struct sb_ws *ws, const char *host, const char *path,
		    int timeout_ms, struct sb_error **err);

int sb_ws_fd(const struct sb_ws *ws);

/* Sends one masked frame (FIN set); blocks until written. */
int sb_ws_send(struct sb_ws *ws, int opcode, const void *p, size_t n,
	       struct sb_error **err);
/* Sends a fragment: fin 0 for all but the last; the first carries the
 * opcode, the rest SB_WS_CONT. */
int sb_ws_send_frame(struct sb_ws *ws, int fin, int opcode, const void *p,
		     size_t n, struct sb_error **err);
/* Queues a frame and writes what the socket takes without blocking; the
 * rest goes out with later calls of sb_ws_flush (poll for POLLOUT while
 * sb_ws_pending is non-zero).  At most SB_WS_MAX_QUEUE bytes wait. */
int sb_ws_queue_frame(struct sb_ws *ws, int fin, int opcode, const void *p,
		      size_t n, struct sb_error **err);
/* Returns 1 when nothing is left queued, 0 when the socket is full, -1. */
int sb_ws_flush(struct sb_ws *ws, struct sb_error **err);
size_t sb_ws_pending(const struct sb_ws *ws);

/* Sends a close frame with code (1000 normal) once, without blocking; a
 * peer that has gone already is not an error. */
int sb_ws_close(struct sb_ws *ws, unsigned code);

struct sb_ws_msg {
	int opcode;               /* TEXT, BINARY, CLOSE or SB_WS_EOF */
	const unsigned char *data; /* valid until the next sb_ws_read */
	size_t len;
	unsigned close_code;      /* for CLOSE; 1005 when none was given */
};

/* Returns 1 with the next whole message in *m, 0 when none is ready
 * without blocking (poll sb_ws_fd and call again), -1 with *err set.
 * Pings are answered with pongs here; pongs are dropped; fragments are
 * reassembled.  A close frame is echoed once and delivered as CLOSE;
 * after the stream ends every call returns SB_WS_EOF. */
int sb_ws_read(struct sb_ws *ws, struct sb_ws_msg *m, struct sb_error **err);

void sb_ws_free(struct sb_ws *ws);

#endif
