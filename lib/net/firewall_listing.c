/* Reading back the kernel's JSON listing of our table (see firewall.h):
 * which per-sandbox elements it holds, the commands that delete them, and
 * whether the host-wide rules are in place.  The listing is untrusted
 * text (fuzz-fwlisting.c drives all of this): only what nft itself prints
 * for our sets is ever turned back into a command. */
#include "net/firewall.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "net/firewall_internal.h"

/* One value of an element key, as nft prints it in JSON: a string
 * (address, protocol name), a number (port), {"prefix": {addr, len}} or
 * {"range": [lo, hi]}. */
static int
value_text(json_object *v, struct sb_buf *b)
{
	json_object *p, *a, *l;

	switch (json_object_get_type(v)) {
	case json_type_string: {
		const char *s = json_object_get_string(v);

		/* Only what nft itself prints for our sets. */
		for (const char *q = s; *q; q++)
			if (!isalnum((unsigned char)*q) && !strchr(".:-", *q))
				return -1;
		return sb_buf_appendf(b, "%s", s);
	}
	case json_type_int:
		return sb_buf_appendf(b, "%d", json_object_get_int(v));
	case json_type_object:
		if (json_object_object_get_ex(v, "prefix", &p) &&
		    json_object_object_get_ex(p, "addr", &a) &&
		    json_object_object_get_ex(p, "len", &l)) {
			if (value_text(a, b) < 0)
				return -1;
			return sb_buf_appendf(b, "/%d", json_object_get_int(l));
		}
		if (json_object_object_get_ex(v, "range", &p) &&
		    json_object_is_type(p, json_type_array) &&
		    json_object_array_length(p) == 2) {
			json_object *lo = json_object_array_get_idx(p, 0);

			if (value_text(lo, b) < 0 || sb_buf_appendf(b, "-") < 0)
				return -1;
			return value_text(json_object_array_get_idx(p, 1), b);
		}
		return -1;
	default: return -1;
	}
}

/* The first component of a key (the sandbox address in our sets). */
static const char *
key_address(json_object *val)
{
	json_object *c;

	if (json_object_is_type(val, json_type_string))
		return json_object_get_string(val);
	if (json_object_is_type(val, json_type_object) &&
	    json_object_object_get_ex(val, "concat", &c) &&
	    json_object_is_type(c, json_type_array) &&
	    json_object_array_length(c) > 0 &&
	    json_object_is_type(json_object_array_get_idx(c, 0),
				json_type_string))
		return json_object_get_string(json_object_array_get_idx(c, 0));
	return NULL;
}

static int
key_text(json_object *val, struct sb_buf *b)
{
	json_object *c;

	if (json_object_is_type(val, json_type_object) &&
	    json_object_object_get_ex(val, "concat", &c) &&
	    json_object_is_type(c, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(c); i++) {
			if (i && sb_buf_appendf(b, " . ") < 0)
				return -1;
			if (value_text(json_object_array_get_idx(c, i), b) < 0)
				return -1;
		}
		return 0;
	}
	return value_text(val, b);
}

/* Sets that hold per-sandbox elements; the others are host-wide. */
static int
per_sandbox_set(const char *set)
{
	return strcmp(set, "restricted4") == 0 || strcmp(set, "cidr4") == 0 ||
	       strcmp(set, "ports4") == 0;
}

/* The table's listing as a json array, or NULL. */
static json_object *
listing_array(json_object *root)
{
	json_object *arr;

	if (!root || !json_object_object_get_ex(root, "nftables", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	return arr;
}

/* Appends "SET<TAB>KEY" for element e of set sn when it is commented
 * with name or keyed by addr (either may be NULL). */
static void
element_key(json_object *e, const char *sn, const char *name, const char *addr,
	    struct sb_buf *b)
{
	json_object *inner, *val = e, *comment = NULL;
	const char *ka;
	size_t mark = b->len;
	int named, keyed;

	/* Elements with a comment come as {"elem": {"val", "comment"}},
	 * plain ones as the bare value. */
	if (json_object_is_type(e, json_type_object) &&
	    json_object_object_get_ex(e, "elem", &inner)) {
		json_object_object_get_ex(inner, "val", &val);
		json_object_object_get_ex(inner, "comment", &comment);
	}
	ka = key_address(val);
	named = comment && name &&
		strcmp(json_object_get_string(comment), name) == 0;
	keyed = addr && ka && strcmp(ka, addr) == 0;
	if (!named && !keyed)
		return;
	sb_buf_appendf(b, "%s\t", sn);
	if (key_text(val, b) < 0) {
		/* Not something we wrote; leave it alone. */
		b->len = mark;
		b->data[mark] = '\0';
		return;
	}
	sb_buf_appendf(b, "\n");
}

/* "SET<TAB>KEY" lines for every per-sandbox element commented with name
 * or keyed by addr (either may be NULL). */
static int
existing_keys(json_object *arr, const char *name, const char *addr,
	      struct sb_buf *b)
{
	sb_buf_append(b, "", 0);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *item = json_object_array_get_idx(arr, i);
		json_object *set, *sname, *elems;
		const char *sn;

		if (!json_object_object_get_ex(item, "set", &set) ||
		    !json_object_object_get_ex(set, "name", &sname) ||
		    !json_object_object_get_ex(set, "elem", &elems) ||
		    !json_object_is_type(elems, json_type_array))
			continue;
		sn = json_object_get_string(sname);
		if (!per_sandbox_set(sn))
			continue;
		for (size_t j = 0; j < json_object_array_length(elems); j++)
			element_key(json_object_array_get_idx(elems, j), sn,
				    name, addr, b);
	}
	return b->overflow ? -1 : 0;
}

char *
sb_fw_cleanup_script(const char *json, const char *name, const char *addr,
		     struct sb_error **err)
{
	_cleanup_json_ json_object *root = json_tokener_parse(json);
	json_object *arr = listing_array(root);
	_cleanup_buf_ struct sb_buf keys = { 0 };

	if (!arr) {
		sb_error_set(err, SB_E_FAIL, "unreadable nftables listing");
		return NULL;
	}
	if (existing_keys(arr, name, addr, &keys) < 0) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		return NULL;
	}
	return sb_fw_render(keys.data, name, 0, err);
}

static int
cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into its lines, sorted, for comparing two key lists. */
static char **
sorted_lines(char *text, size_t *n)
{
	size_t cap = 1;
	char **v;

	for (const char *p = text; *p; p++)
		cap += *p == '\n';
	v = calloc(cap, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (char *t = strtok(text, "\n"); t; t = strtok(NULL, "\n"))
		v[(*n)++] = t;
	qsort(v, *n, sizeof(*v), cmp_lines);
	return v;
}

int
sb_fw_sandbox_differs(const char *json, const struct sb_fw_sandbox *sb)
{
	_cleanup_json_ json_object *root = json ? json_tokener_parse(json) :
						  NULL;
	json_object *arr = listing_array(root);
	_cleanup_buf_ struct sb_buf have = { 0 }, want = { 0 };
	_cleanup_free_ char **hv = NULL, **wv = NULL;
	size_t hn = 0, wn = 0;
	int differs = 1;

	if (arr && existing_keys(arr, sb->name, sb->ipv4, &have) == 0 &&
	    sb_fw_sandbox_keys(sb, &want, SB_IGNORE) == 0 && !want.overflow &&
	    (hv = sorted_lines(have.data, &hn)) &&
	    (wv = sorted_lines(want.data, &wn)) && hn == wn) {
		differs = 0;
		for (size_t i = 0; i < hn && !differs; i++)
			differs = strcmp(hv[i], wv[i]) != 0;
	}
	return differs;
}

int
sb_fw_base_present(const char *json)
{
	_cleanup_json_ json_object *root = json ? json_tokener_parse(json) :
						  NULL;
	json_object *arr = listing_array(root);
	int forward = 0, input = 0, prerouting = 0;

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *rule, *chain;
		const char *cn;

		json_object *item = json_object_array_get_idx(arr, i);

		if (!json_object_object_get_ex(item, "rule", &rule) ||
		    !json_object_object_get_ex(rule, "chain", &chain))
			continue;
		cn = json_object_get_string(chain);
		forward += strcmp(cn, "forward") == 0;
		input += strcmp(cn, "input") == 0;
		prerouting += strcmp(cn, "prerouting") == 0;
	}
	/* The shape sb_fw_base_script writes: 3 rules in forward, one in
	 * input and one in prerouting (the rest hang off them). */
	return forward >= 3 && input >= 1 && prerouting >= 1;
}

int
sb_fw_has_element(const char *json, const char *set, const char *addr)
{
	_cleanup_json_ json_object *root = json ? json_tokener_parse(json) :
						  NULL;
	json_object *arr = listing_array(root);
	_cleanup_buf_ struct sb_buf keys = { 0 };
	char want[128];

	if (!arr || !addr || existing_keys(arr, NULL, addr, &keys) < 0)
		return 0;
	/* Whole lines only: "\nSET\tADDR\n" inside "\n" + keys. */
	snprintf(want, sizeof(want), "\n%s\t%s\n", set, addr);
	return keys.data &&
	       (strncmp(keys.data, want + 1, strlen(want + 1)) == 0 ||
		strstr(keys.data, want) != NULL);
}
