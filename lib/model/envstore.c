#include "model/envstore.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/text.h"

int
sb_envstore_parse(struct sb_env *env, const char *json,
		  struct sb_error **err)
{
	_cleanup_json_ json_object *o = NULL;
	int ret = 0;

	if (!json || !*json)
		return 0;
	o = json_tokener_parse(json);
	if (!o || !json_object_is_type(o, json_type_object))
		return sb_error_set(err, SB_E_INPUT,
				    "user.sandbox.env is not a JSON object: "
				    "fix it with 'incus config edit', or drop "
				    "it with 'incus config unset'");
	json_object_object_foreach(o, k, v) {
		if (!json_object_is_type(v, json_type_string) ||
		    !sb_env_key_valid(k, strlen(k))) {
			ret = sb_error_set(err, SB_E_INPUT,
					   "user.sandbox.env: key '%.64s' is "
					   "not a valid name with a string "
					   "value", k);
			break;
		}
		if (sb_env_set(env, k, json_object_get_string(v), err) < 0) {
			ret = -1;
			break;
		}
	}
	/* json-c does not wipe what it frees: the values stay in freed heap
	 * either way, as they do in libcurl's buffers; this is the host's
	 * own memory, never a file. */
	return ret;
}

char *
sb_envstore_render(const struct sb_env *env)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	const char *s;

	if (!o)
		return NULL;
	for (size_t i = 0; i < env->n; i++)
		json_object_object_add(o, env->keys[i],
				       json_object_new_string(env->values[i]));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

int
sb_envstore_compose(const char *home_env, const char *stored,
		    const char *const *set, size_t nset,
		    const char *const *unset, size_t nunset,
		    struct sb_env *out, char **keep_json,
		    struct sb_error **err)
{
	struct sb_env keep = { 0 };
	int ret = -1;

	*keep_json = NULL;
	for (size_t i = 0; i < nunset; i++)
		if (!sb_env_key_valid(unset[i], strlen(unset[i]))) {
			char shown[256];

			sb_text_show(shown, sizeof(shown), unset[i],
				     strlen(unset[i]), 64);
			return sb_error_set(err, SB_E_USAGE,
					    "invalid --unset-env '%s': give a "
					    "KEY (letters, digits and '_', not "
					    "starting with a digit)", shown);
		}
	if ((home_env && sb_env_load_file(out, home_env, 1, err) < 0) ||
	    sb_envstore_parse(&keep, stored, err) < 0)
		goto out;
	for (size_t i = 0; i < nset; i++)
		if (sb_env_add_kv(&keep, set[i], err) < 0)
			goto out;
	for (size_t i = 0; i < nunset; i++)
		sb_env_unset(&keep, unset[i]);
	for (size_t i = 0; i < keep.n; i++)
		if (sb_env_set(out, keep.keys[i], keep.values[i], err) < 0)
			goto out;
	if (!(*keep_json = sb_envstore_render(&keep))) {
		sb_error_set(err, SB_E_SYSTEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	sb_env_release(&keep);
	return ret;
}
