/* Fuzzes apt sources parsing in both formats.  The first byte picks the
 * format and the suite; a URI found must be a token of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/aptsrc.h"

#define MAX_INPUT_BYTES ((size_t)64 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const suites[] = { "bookworm", "trixie", "noble",
					      "bookworm-updates" };
	struct sb_error *err = NULL;
	const char *text;
	char *uri = NULL;
	int deb822;

	if (size < 1 || size > MAX_INPUT_BYTES)
		return 0;
	deb822 = data[0] & 1;
	text = (const char *)data + 1;
	if (sb_aptsrc_parse(text, size - 1, deb822, suites[(data[0] >> 1) & 3],
			    &uri, &err) < 0)
		abort(); /* only running out of memory may fail */
	if (uri && (!*uri || !memmem(text, size - 1, uri, strlen(uri))))
		abort();
	free(uri);
	sb_error_free(err);
	return 0;
}
