/* Env files and the profile script rendered from them.
 *
 * Parsing works on a private struct and merges only when the whole text
 * was good, so a bad line never leaves half a file applied.  The rendered
 * script single-quotes every value: inside '...' a POSIX shell treats
 * every byte literally except the closing quote, which we write as '\''.
 * That is the whole escaping story, and it is why the file format itself
 * does no escaping: there is exactly one interpretation of every byte. */
#include "core/text.h"
#include "model/envfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "sys/userfile.h"

/* An env file larger than this is a mistake, not an environment. */
#define ENV_FILE_MAX ((size_t)16 << 20)
/* How much of an offending line an error shows. */
#define SHOW_MAX 40

int
sb_env_key_valid(const char *key, size_t len)
{
	if (len == 0 || !((key[0] >= 'A' && key[0] <= 'Z') ||
			  (key[0] >= 'a' && key[0] <= 'z') || key[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++) {
		char c = key[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static ssize_t
find(const struct sb_env *env, const char *key, size_t klen)
{
	for (size_t i = 0; i < env->n; i++)
		if (strlen(env->keys[i]) == klen &&
		    memcmp(env->keys[i], key, klen) == 0)
			return (ssize_t)i;
	return -1;
}

/* Sets key to value, taking ownership of both (freed on failure). */
static int
set_owned(struct sb_env *env, char *key, char *value)
{
	ssize_t i = find(env, key, strlen(key));
	char **k, **v;

	if (i >= 0) {
		sb_text_wipe(env->values[i]);
		env->values[i] = value;
		free(key);
		return 0;
	}
	k = realloc(env->keys, (env->n + 1) * sizeof(*k));
	if (k)
		env->keys = k;
	v = k ? realloc(env->values, (env->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(key);
		sb_text_wipe(value);
		return -1;
	}
	env->values = v;
	env->keys[env->n] = key;
	env->values[env->n] = value;
	env->n++;
	return 0;
}

static int
set(struct sb_env *env, const char *key, size_t klen, const char *value,
    size_t vlen)
{
	char *k = strndup(key, klen);
	char *v = k ? malloc(vlen + 1) : NULL;

	if (!v) {
		free(k);
		return -1;
	}
	memcpy(v, value, vlen);
	v[vlen] = '\0';
	return set_owned(env, k, v);
}

/* Moves every entry of src into dst.  Room is made first, so once it
 * starts the merge cannot fail halfway. */
static int
merge(struct sb_env *dst, struct sb_env *src)
{
	size_t cap = dst->n + src->n;
	char **k, **v;

	if (cap == 0)
		return 0;
	k = realloc(dst->keys, cap * sizeof(*k));
	if (!k)
		return -1;
	dst->keys = k;
	v = realloc(dst->values, cap * sizeof(*v));
	if (!v)
		return -1;
	dst->values = v;
	for (size_t i = 0; i < src->n; i++) {
		ssize_t j = find(dst, src->keys[i], strlen(src->keys[i]));

		if (j >= 0) {
			sb_text_wipe(dst->values[j]);
			dst->values[j] = src->values[i];
			free(src->keys[i]);
		} else {
			dst->keys[dst->n] = src->keys[i];
			dst->values[dst->n] = src->values[i];
			dst->n++;
		}
	}
	free(src->keys);
	free(src->values);
	*src = (struct sb_env){ 0 };
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One line, without its newline (or CR LF). */
static int
parse_line(struct sb_env *env, const char *p, size_t len, const char *fname,
	   size_t lineno, struct sb_error **err)
{
	char shown[SHOW_MAX * 4 + 8];
	const char *eq, *val;
	size_t vlen;

	if (memchr(p, '\0', len))
		return sb_error_set(err, SB_E_INPUT,
				    "%s:%zu: line contains a NUL byte: env "
				    "files are text", fname, lineno);
	if (len > SB_ENV_LINE_MAX)
		return sb_error_set(err, SB_E_INPUT,
				    "%s:%zu: line is longer than %zu bytes",
				    fname, lineno, SB_ENV_LINE_MAX);
	while (len && is_blank(*p))
		p++, len--;
	if (len == 0 || *p == '#')
		return 0;
	if (len > 7 && memcmp(p, "export", 6) == 0 && is_blank(p[6])) {
		p += 7, len -= 7;
		while (len && is_blank(*p))
			p++, len--;
	}
	eq = memchr(p, '=', len);
	if (!eq) {
		/* Shown truncated: a line without '=' may be a pasted secret. */
		sb_text_show(shown, sizeof(shown), p, len, SHOW_MAX);
		return sb_error_set(err, SB_E_INPUT,
				    "%s:%zu: '%s' is not KEY=VALUE", fname,
				    lineno, shown);
	}
	if (!sb_env_key_valid(p, (size_t)(eq - p))) {
		sb_text_show(shown, sizeof(shown), p, (size_t)(eq - p), SHOW_MAX);
		return sb_error_set(err, SB_E_INPUT,
				    "%s:%zu: invalid key '%s': use letters, "
				    "digits and '_', not starting with a digit",
				    fname, lineno, shown);
	}
	val = eq + 1;
	vlen = len - (size_t)(val - p);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[vlen - 1] == val[0])
		val++, vlen -= 2;
	if (set(env, p, (size_t)(eq - p), val, vlen) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}

int
sb_env_parse(struct sb_env *env, const char *text, size_t len,
	     const char *fname, struct sb_error **err)
{
	struct sb_env tmp = { 0 };
	size_t lineno = 0;
	const char *p = text, *end = text + len;

	if (!fname)
		fname = "env";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (parse_line(&tmp, p, n, fname, lineno, err) < 0) {
			sb_env_release(&tmp);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (merge(env, &tmp) < 0) {
		sb_env_release(&tmp);
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	}
	return 0;
}

int
sb_env_load_file(struct sb_env *env, const char *path, int missing_ok,
		 struct sb_error **err)
{
	struct sb_buf b = { 0 };
	int r;

	/* The user's file: read with their rights under sudo. */
	if (sb_userfile_read(path, ENV_FILE_MAX, &b) < 0) {
		int e = errno;

		sb_buf_wipe(&b);
		if (e == ENOENT && missing_ok)
			return 0;
		errno = e;
		return sb_error_sys(err, "reading env file '%s'", path);
	}
	r = sb_env_parse(env, b.data ? b.data : "", b.len, path, err);
	sb_buf_wipe(&b);
	return r;
}

int
sb_env_add_kv(struct sb_env *env, const char *kv, struct sb_error **err)
{
	char shown[SHOW_MAX * 4 + 8];
	const char *eq = strchr(kv, '=');

	if (!eq) {
		sb_text_show(shown, sizeof(shown), kv, strlen(kv), SHOW_MAX);
		return sb_error_set(err, SB_E_USAGE,
				    "invalid --env '%s': use KEY=VALUE", shown);
	}
	if (!sb_env_key_valid(kv, (size_t)(eq - kv))) {
		sb_text_show(shown, sizeof(shown), kv, (size_t)(eq - kv), SHOW_MAX);
		return sb_error_set(err, SB_E_USAGE,
				    "invalid --env key '%s': use letters, "
				    "digits and '_', not starting with a digit",
				    shown);
	}
	if (set(env, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1)) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}

int
sb_env_set(struct sb_env *env, const char *key, const char *value,
	   struct sb_error **err)
{
	if (set(env, key, strlen(key), value, strlen(value)) < 0)
		return sb_error_set(err, SB_E_SYSTEM, "out of memory");
	return 0;
}

int
sb_env_unset(struct sb_env *env, const char *key)
{
	ssize_t i = find(env, key, strlen(key));

	if (i < 0)
		return 0;
	free(env->keys[i]);
	sb_text_wipe(env->values[i]);
	/* Keep first-seen order for what stays. */
	memmove(&env->keys[i], &env->keys[i + 1],
		(env->n - (size_t)i - 1) * sizeof(*env->keys));
	memmove(&env->values[i], &env->values[i + 1],
		(env->n - (size_t)i - 1) * sizeof(*env->values));
	env->n--;
	return 1;
}

const char *
sb_env_get(const struct sb_env *env, const char *key)
{
	ssize_t i = find(env, key, strlen(key));

	return i >= 0 ? env->values[i] : NULL;
}

char *
sb_env_render_profile(const struct sb_env *env)
{
	static const char header[] =
		"# Written by sandbox from ~/.sandbox/env and --env; "
		"replaced on every start.\n"
		"# Values are single-quoted: nothing in them is expanded.\n";
	struct sb_buf b = { 0 };
	int r;

	r = sb_buf_append(&b, header, sizeof(header) - 1);
	for (size_t i = 0; r == 0 && i < env->n; i++) {
		/* Keys are checked on the way in; a struct filled by hand
		 * with a bad key must still not inject shell. */
		if (!sb_env_key_valid(env->keys[i], strlen(env->keys[i])))
			continue;
		r |= sb_buf_appendf(&b, "export %s=", env->keys[i]);
		r |= sb_buf_append_shquote(&b, env->values[i]);
		r |= sb_buf_append(&b, "\n", 1);
	}
	if (r) {
		sb_buf_wipe(&b);
		return NULL;
	}
	return sb_buf_take(&b);
}

void
sb_env_release(struct sb_env *env)
{
	for (size_t i = 0; i < env->n; i++) {
		free(env->keys[i]);
		sb_text_wipe(env->values[i]);
	}
	free(env->keys);
	free(env->values);
	*env = (struct sb_env){ 0 };
}
