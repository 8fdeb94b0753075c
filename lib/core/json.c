/* Typed readers over json-c objects (see core/json.h). */
#include "core/json.h"

#include <stdint.h>

json_object *
sb_json_parse(const char *buf, size_t len)
{
	json_tokener *t;
	json_object *o;

	if (!buf || !len || len > INT32_MAX)
		return NULL;
	t = json_tokener_new();
	if (!t)
		return NULL;
	o = json_tokener_parse_ex(t, buf, (int)len);
	if (json_tokener_get_error(t) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(t);
	return o;
}

json_object *
sb_json_member(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *
sb_json_str(json_object *o, const char *key)
{
	return json_object_get_string(sb_json_member(o, key, json_type_string));
}

size_t
sb_json_array_len(json_object *o)
{
	if (!o || !json_object_is_type(o, json_type_array))
		return 0;
	return json_object_array_length(o);
}

void
sb_json_add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}
