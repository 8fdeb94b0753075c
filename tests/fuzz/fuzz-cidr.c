/* Fuzzes the --allow-cidr parser: whatever it accepts must format to a
 * canonical form that parses back to the same range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[256];
	struct sb_cidr c, d;
	struct sb_cidr *v = NULL;
	size_t n;
	char buf[SB_CIDR_TEXT_MAX];
	struct sb_error *e = NULL;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (sb_cidr_parse(in, &c, &e) == 0) {
		sb_cidr_format(&c, buf);
		if (sb_cidr_parse(buf, &d, NULL) < 0 ||
		    memcmp(&c, &d, sizeof(c)) != 0 || !sb_cidr_within(&c, &d))
			abort();
	}
	sb_error_free(e);
	e = NULL;
	if (sb_cidr_parse_list(in, &v, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			if (v[i].prefix < 0 || v[i].prefix > 128)
				abort();
	}
	free(v);
	sb_error_free(e);
	return 0;
}
