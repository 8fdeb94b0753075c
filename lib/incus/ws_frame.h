/* RFC 6455 framing, pure functions with no I/O.
 *
 * The frame parser works on a caller's buffer and never reads past it: it
 * answers "need more" for incomplete input and refuses frames above the
 * caller's maximum, so a peer cannot make us allocate without bound. */
#ifndef SB_WS_FRAME_H
#define SB_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum sb_ws_opcode {
	SB_WS_CONT = 0x0,
	SB_WS_TEXT = 0x1,
	SB_WS_BINARY = 0x2,
	SB_WS_CLOSE = 0x8,
	SB_WS_PING = 0x9,
	SB_WS_PONG = 0xA,
};

/* Longest frame header: 2 + 8 (64-bit length) + 4 (mask key). */
#define SB_WS_MAX_HEADER 14

struct sb_ws_frame {
	int fin;
	int opcode;
	int masked;
	uint64_t len; /* payload length */
	size_t header_len;
	unsigned char *payload; /* inside the parsed buffer, unmasked */
};

/* Parses the frame at the start of buf[0..n).  Returns the whole frame's
 * size (header plus payload) when it is complete, 0 when more input is
 * needed, -1 with *err set on a protocol error (reserved bits, unknown
 * opcode, fragmented or long control frame, payload above max).  A masked
 * payload is unmasked in place. */
long sb_ws_parse(unsigned char *buf, size_t n, size_t max,
		 struct sb_ws_frame *f, struct sb_error **err);

/* Writes a frame header for a payload of len bytes into out (at least
 * SB_WS_MAX_HEADER bytes); key NULL means unmasked.  Returns its length. */
size_t sb_ws_header(unsigned char *out, int fin, int opcode, uint64_t len,
		    const unsigned char *key);

/* XORs p[0..n) with key, starting at key position offset % 4. */
void sb_ws_mask(unsigned char *p, size_t n, const unsigned char key[4],
		size_t offset);

/* base64(SHA1(key + RFC 6455 GUID)) into out (29 bytes with the NUL). */
void sb_ws_accept(const char *key, char out[29]);

#endif
