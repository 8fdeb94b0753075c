/* Fuzzes what we read from the Incus daemon: the error envelope reader
 * and the instance-to-sandbox parser, over any JSON at all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "incus/incus.h"
#include "model/sandbox.h"

#define MAX_INPUT_BYTES ((size_t)64 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(json_object *o)
{
	struct sb_error *err = NULL;
	struct sb_sandbox *s = sb_sandbox_from_json(o, &err);

	if (s) {
		if (!s->name || !s->instance || !s->status ||
		    strcmp(s->instance + strlen(SB_PREFIX), s->name) != 0)
			abort();
		if (s->slot < 0 || s->slot > SB_SLOT_MAX)
			abort();
	} else if (!err) {
		abort();
	}
	sb_sandbox_free(s);
	sb_error_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 403, 404, 409, 500 };
	struct sb_error *err = NULL;
	json_tokener *t;
	json_object *o;

	if (size > MAX_INPUT_BYTES)
		return 0;
	if (sb_incus_error_from_reply((const char *)data, size,
				      statuses[size % 6], &err) != -1 ||
	    !err || !err->msg)
		abort();
	sb_error_free(err);

	t = json_tokener_new();
	if (!t)
		return 0;
	o = json_tokener_parse_ex(t, (const char *)data, (int)size);
	if (json_tokener_get_error(t) == json_tokener_success && o) {
		if (json_object_is_type(o, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(o); i++)
				one(json_object_array_get_idx(o, i));
		} else {
			one(o);
		}
	}
	json_object_put(o);
	json_tokener_free(t);
	return 0;
}
