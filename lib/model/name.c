/* Names, numbers and slots: the pure rules of the compatibility contract. */
#include "model/name.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static int
label_check(const char *what, const char *s, size_t max,
	    struct sb_error **err)
{
	size_t n;

	if (!s || !*s)
		return sb_error_set(err, SB_E_INPUT, "%s must not be empty", what);
	n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!(isascii(ch) && (isalnum(ch) || ch == '-')))
			return sb_error_set(err, SB_E_INPUT,
				"invalid %s '%s': only letters, digits and "
				"hyphens are allowed", what, s);
	}
	if (n > max)
		return sb_error_set(err, SB_E_INPUT,
			"invalid %s '%s': at most %zu characters are allowed "
			"(it has %zu)", what, s, max, n);
	if (s[0] == '-' || s[n - 1] == '-')
		return sb_error_set(err, SB_E_INPUT,
			"invalid %s '%s': it must not start or end with a "
			"hyphen", what, s);
	return 0;
}

int
sb_name_check(const char *name, struct sb_error **err)
{
	return label_check("sandbox name", name, SB_NAME_MAX, err);
}

int
sb_stack_check(const char *stack, struct sb_error **err)
{
	return label_check("stack", stack, 63 - strlen(SB_GOLDEN_PREFIX), err);
}

char *
sb_name_instance(const char *name)
{
	return sb_text_fmt(SB_PREFIX "%s", name);
}

const char *
sb_name_from_instance(const char *instance)
{
	size_t k = strlen(SB_PREFIX);

	if (!instance || strncmp(instance, SB_PREFIX, k) != 0 || !instance[k])
		return NULL;
	return instance + k;
}

int
sb_parse_int(const char *s, long lo, long hi, const char *what, long *out,
	     struct sb_error **err)
{
	char *end;
	long v;

	if (!s || !*s || !isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		goto bad;
	/* The scripts' words, which users' wrappers grep for: "must be a
	 * number" for what is not one, "out of range" for one that is. */
	if (errno || v < lo || v > hi)
		return sb_error_set(err, SB_E_INPUT,
				    "%s '%s' is out of range (%ld-%ld)", what,
				    s, lo, hi);
	*out = v;
	return 0;
bad:
	return sb_error_set(err, SB_E_INPUT,
			    "%s '%s' must be a number from %ld to %ld", what,
			    s ? s : "", lo, hi);
}

int
sb_listen_port(const char *listen)
{
	const char *p;
	char *end;
	long v;

	if (!listen || (strncmp(listen, "tcp:", 4) && strncmp(listen, "udp:", 4)))
		return 0;
	p = strrchr(listen, ':');
	if (!p || !p[1])
		return 0;
	v = strtol(p + 1, &end, 10);
	if (*end || v < 1 || v > 65535)
		return 0;
	return (int)v;
}
