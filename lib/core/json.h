/* Small readers for json-c objects: typed members that are NULL when
 * absent or of another type, so a reply of an unexpected shape reads as
 * "missing" rather than crashing, and a bounded parse of a byte buffer. */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <stddef.h>
#include <json-c/json.h>

/* Adds key: "value" to o (a string member, the most common kind in the
 * requests we build). */
void sb_json_add_str(json_object *o, const char *key, const char *value);

/* Parses buf[0..len) as one JSON value; NULL when it is empty, too long
 * for json-c, or not valid JSON.  Caller puts the result. */
json_object *sb_json_parse(const char *buf, size_t len);

/* The member key of o when it is of that type, else NULL (o may be
 * NULL). */
json_object *sb_json_member(json_object *o, const char *key, json_type type);
/* The string member key of o, or NULL when absent or not a string. */
const char *sb_json_str(json_object *o, const char *key);

/* Length of a JSON array; 0 for anything else (Incus sends null for an
 * empty list). */
size_t sb_json_array_len(json_object *o);

#endif
