/* Fuzzes the env file parser, --env and the profile renderer: whatever
 * is accepted has valid unique keys, and renders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/envfile.h"

#define MAX_INPUT_BYTES ((size_t)64 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct sb_env *env)
{
	char *text;

	for (size_t i = 0; i < env->n; i++) {
		if (!sb_env_key_valid(env->keys[i], strlen(env->keys[i])) ||
		    sb_env_get(env, env->keys[i]) != env->values[i])
			abort(); /* a bad or duplicate key got in */
	}
	text = sb_env_render_profile(env);
	if (!text)
		abort();
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_env env = { 0 };
	struct sb_error *err = NULL;
	char *s;

	if (size > MAX_INPUT_BYTES)
		return 0;
	if (sb_env_parse(&env, (const char *)data, size, "fuzz", &err) == 0)
		check(&env);
	else if (!err || !err->msg || strchr(err->msg, '\n') || env.n)
		abort(); /* errors are one line; nothing partial kept */
	sb_error_free(err);
	err = NULL;

	/* The same bytes as one --env argument, on top of the file. */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sb_env_add_kv(&env, s, &err) == 0)
		check(&env);
	sb_error_free(err);
	free(s);
	sb_env_release(&env);
	return 0;
}
