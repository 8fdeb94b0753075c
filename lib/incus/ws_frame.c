/* RFC 6455 framing: frame headers, masking, the parser and the
 * handshake's accept value.  Pure functions over caller buffers, no I/O,
 * so the parser can be fuzzed on its own (tests/fuzz/fuzz-ws.c). */
#include "incus/ws_frame.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

void
sb_ws_mask(unsigned char *p, size_t n, const unsigned char key[4],
	   size_t offset)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= key[(i + offset) & 3];
}

size_t
sb_ws_header(unsigned char *out, int fin, int opcode, uint64_t len,
	     const unsigned char *key)
{
	size_t h = 2;

	out[0] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
	out[1] = key ? 0x80 : 0;
	if (len < 126) {
		out[1] |= (unsigned char)len;
	} else if (len <= 0xffff) {
		out[1] |= 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		h = 4;
	} else {
		out[1] |= 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)(len >> (56 - 8 * i));
		h = 10;
	}
	if (key) {
		memcpy(out + h, key, 4);
		h += 4;
	}
	return h;
}

long
sb_ws_parse(unsigned char *buf, size_t n, size_t max, struct sb_ws_frame *f,
	    struct sb_error **err)
{
	size_t h = 2;
	uint64_t len;
	int op;

	memset(f, 0, sizeof(*f));
	if (n < 2)
		return 0;
	if (buf[0] & 0x70)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: reserved bits set in frame "
				    "header 0x%02x",
				    buf[0]);
	op = buf[0] & 0x0f;
	if (op != SB_WS_CONT && op != SB_WS_TEXT && op != SB_WS_BINARY &&
	    op != SB_WS_CLOSE && op != SB_WS_PING && op != SB_WS_PONG)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: unknown opcode %d", op);
	f->fin = !!(buf[0] & 0x80);
	f->opcode = op;
	f->masked = !!(buf[1] & 0x80);
	len = buf[1] & 0x7f;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)buf[2] << 8 | buf[3];
		h = 4;
	} else if (len == 127) {
		if (n < 10)
			return 0;
		if (buf[2] & 0x80)
			return sb_error_set(err, SB_E_DAEMON,
					    "websocket: 64-bit length with "
					    "the top bit set");
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | buf[2 + i];
		h = 10;
	}
	/* RFC 6455 5.5: control frames are short and never fragmented. */
	if (op >= SB_WS_CLOSE && (!f->fin || len > 125))
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: control frame (opcode %d) "
				    "fragmented or longer than 125 bytes",
				    op);
	if (len > max)
		return sb_error_set(err, SB_E_DAEMON,
				    "websocket: frame of %llu bytes is over "
				    "the limit of %zu",
				    (unsigned long long)len, max);
	if (f->masked)
		h += 4;
	if (n < h || n - h < len)
		return 0;
	f->len = len;
	f->header_len = h;
	f->payload = buf + h;
	if (f->masked)
		sb_ws_mask(f->payload, (size_t)len, buf + h - 4, 0);
	return (long)(h + len);
}

void
sb_ws_accept(const char *key, char out[29])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char in[128];
	int n = snprintf(in, sizeof(in), "%s%s", key, WS_GUID);

	/* A key longer than the 24 base64 characters RFC 6455 sends is cut;
	 * it can then never match, which is the right outcome. */
	if (n < 0 || (size_t)n >= sizeof(in))
		n = sizeof(in) - 1;
	EVP_Digest(in, (size_t)n, md, &mdlen, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}
