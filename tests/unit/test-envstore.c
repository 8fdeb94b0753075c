/* The environment a sandbox keeps (user.sandbox.env): what a restart's
 * --env adds or replaces, what --unset-env drops, ~/.sandbox/env under
 * it, and a stored value that is not ours refused without showing it. */
#include "model/envstore.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/text.h"
#include "tap.h"
#include "testutil.h"

/* Each case: stored, --env, --unset-env -> keep (JSON) and one key's
 * value in what is written ("K=V", or "K" for absent). */
static void
compose(void)
{
	static const struct {
		const char *stored;
		const char *set[3];
		const char *unset[2];
		const char *keep;
		const char *check;
	} cases[] = {
		{ NULL, { "A=1" }, { NULL }, "{\"A\":\"1\"}", "A=1" },
		{ "", { NULL }, { NULL }, "{}", "A" },
		{ "{\"A\":\"1\"}", { "B=2" }, { NULL },
		  "{\"A\":\"1\",\"B\":\"2\"}", "A=1" },
		{ "{\"A\":\"1\",\"B\":\"2\"}", { "A=3" }, { NULL },
		  "{\"A\":\"3\",\"B\":\"2\"}", "A=3" },
		{ "{\"A\":\"1\",\"B\":\"2\"}", { NULL }, { "A" },
		  "{\"B\":\"2\"}", "A" },
		{ "{\"A\":\"1\"}", { NULL }, { "NOPE" }, "{\"A\":\"1\"}",
		  "A=1" },
		/* The file is under what is kept. */
		{ "{\"F\":\"kept\"}", { NULL }, { NULL }, "{\"F\":\"kept\"}",
		  "F=kept" },
		{ NULL, { NULL }, { NULL }, "{}", "F=file" },
		/* Verbatim: quotes, newlines, $(...). */
		{ NULL, { "Q=a'b\n$(id)" }, { NULL },
		  "{\"Q\":\"a'b\\n$(id)\"}", "Q=a'b\n$(id)" },
	};
	char dir[] = "/tmp/test-envstore.XXXXXX";
	_cleanup_free_ char *file = NULL;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	CHECK(asprintf(&file, "%s/env", dir) > 0, "asprintf");
	CHECK(tu_write_file(dir, "env", "F=file\n", 0644) == 0, "fopen");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *err = NULL;
		struct sb_env out = { 0 };
		char *keep = NULL;
		size_t ns = 0, nu = 0;
		const char *eq = strchr(cases[i].check, '=');
		_cleanup_free_ char *key = strndup(cases[i].check,
			eq ? (size_t)(eq - cases[i].check) :
			     strlen(cases[i].check));

		while (ns < 3 && cases[i].set[ns])
			ns++;
		while (nu < 2 && cases[i].unset[nu])
			nu++;
		CHECK(sb_envstore_compose(file, cases[i].stored,
					  cases[i].set, ns, cases[i].unset, nu,
					  &out, &keep, &err) == 0,
		      "case %zu: %s", i, err ? err->msg : "");
		CHECK_STR(keep, cases[i].keep, "case %zu: kept", i);
		CHECK_STR(sb_env_get(&out, key), eq ? eq + 1 : NULL,
			  "case %zu: %s", i, key);
		sb_text_wipe(keep);
		sb_env_release(&out);
	}
	unlink(file);
	rmdir(dir);
}

static void
refused(void)
{
	static const struct {
		const char *stored, *set, *unset, *word;
	} cases[] = {
		{ "not json SECRET", NULL, NULL, "not a JSON object" },
		{ "[\"SECRET\"]", NULL, NULL, "not a JSON object" },
		{ "{\"A\":1}", NULL, NULL, "'A'" },
		{ "{\"1A\":\"SECRET\"}", NULL, NULL, "'1A'" },
		{ NULL, NULL, "1A", "--unset-env '1A'" },
		{ NULL, NULL, "A=B", "--unset-env 'A=B'" },
		{ NULL, "SECRET", NULL, "KEY=VALUE" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *err = NULL;
		struct sb_env out = { 0 };
		char *keep = NULL;
		int r = sb_envstore_compose(NULL, cases[i].stored,
					    &cases[i].set, cases[i].set != NULL,
					    &cases[i].unset,
					    cases[i].unset != NULL, &out,
					    &keep, &err);

		CHECK(r < 0 && keep == NULL, "case %zu refused", i);
		CHECK(err && strstr(err->msg, cases[i].word),
		      "case %zu says %s: %s", i, cases[i].word,
		      err ? err->msg : "");
		if (cases[i].set == NULL)
			CHECK(err && !strstr(err->msg, "SECRET"),
			      "case %zu shows no value", i);
		sb_env_release(&out);
	}
}

int
main(void)
{
	compose();
	refused();
	return tap_done();
}
