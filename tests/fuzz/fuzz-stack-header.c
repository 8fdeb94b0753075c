/* Fuzzes the "# parent:" header of stack scripts.  A parent found must be
 * a valid stack name and appear in the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/sandbox.h"
#include "model/stack.h"

#define MAX_INPUT_BYTES ((size_t)16 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_error *err = NULL;
	char *parent = NULL;
	int r;

	if (size > MAX_INPUT_BYTES)
		return 0;
	r = sb_stack_parse_header((const char *)data, size, &parent, &err);
	if (r < 0 && (parent || !err))
		abort();
	if (parent && (sb_stack_check(parent, NULL) < 0 ||
		       !memmem(data, size, parent, strlen(parent))))
		abort();
	free(parent);
	sb_error_free(err);
	return 0;
}
