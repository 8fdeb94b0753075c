/* Fuzzes the websocket frame parser two ways: sb_ws_parse over a buffer
 * (frame after frame, like the reader does), and the whole client reader
 * (reassembly, control frames, close) fed through an in-memory transport
 * in chunks whose sizes the input's first byte chooses. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "incus/ws.h"
#include "incus/ws_frame.h"

#define MAX_INPUT_BYTES (1 << 20)

struct mem {
	const uint8_t *p;
	size_t n, off, chunk;
};

static ssize_t
mem_send(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	return (ssize_t)n; /* pongs and close echoes go nowhere */
}

static ssize_t
mem_recv(void *ctx, void *p, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->n - m->off;

	if (k > m->chunk)
		k = m->chunk;
	if (k > n)
		k = n;
	memcpy(p, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k; /* 0 at the end: the peer hung up */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	size_t off = 0;
	struct mem m;
	struct sb_ws_io io = { mem_send, mem_recv, NULL, &m, -1 };
	struct sb_ws *ws;

	if (size < 1 || size > MAX_INPUT_BYTES)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	for (;;) {
		struct sb_ws_frame f;
		long r = sb_ws_parse(buf + off, size - 1 - off, 65536, &f,
				     NULL);

		if (r <= 0)
			break;
		if (f.len) {
			/* Reading the last byte lets ASan see an overrun. */
			volatile unsigned char last = f.payload[f.len - 1];
			(void)last;
		}
		off += (size_t)r;
	}
	free(buf);

	m = (struct mem){ data + 1, size - 1, 0, (size_t)(data[0] % 17) + 1 };
	ws = sb_ws_new(&io, NULL);
	if (!ws)
		return 0;
	for (int i = 0; i < 10000; i++) {
		struct sb_ws_msg msg;
		struct sb_error *err = NULL;
		int r = sb_ws_read(ws, &msg, &err);

		sb_error_free(err);
		if (r < 0 || (r == 1 && msg.opcode == SB_WS_EOF))
			break;
		if (r == 1 && msg.len) {
			volatile unsigned char last = msg.data[msg.len - 1];
			(void)last;
		}
	}
	sb_ws_free(ws);
	return 0;
}
