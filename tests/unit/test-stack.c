/* Stack scripts: the "# parent:" header, where a stack is found (a user's
 * script over the machine's over the shipped one) and parent chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "model/stack.h"
#include "tap.h"
#include "testutil.h"

static void
headers(void)
{
	static const struct { const char *text; int ok; const char *parent;
	} cases[] = {
		{ "#!/bin/bash\n# parent: rust\nset -e\n", 1, "rust" },
		{ "# parent: rust\n", 1, "rust" },
		{ "# parent:rust", 1, "rust" },
		{ "#parent: my-stack  \r\n", 1, "my-stack" },
		{ "#!/bin/bash\nset -e\n# parent: rust\n", 1, NULL },
		{ "#!/bin/bash\n# golden-x: things\n", 1, NULL },
		{ "", 1, NULL },
		{ "# Parent: rust\n", 1, NULL },
		{ "# parent:\n", 0, NULL },
		{ "# parent: ../etc\n", 0, NULL },
		{ "# parent: a b\n", 0, NULL },
		{ "# parent: -x\n", 0, NULL },
		{ "# parent: rust\n# parent: go\n", 0, NULL },
		{ "# parent: caf\xc3\xa9\n", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *err = NULL;
		_cleanup_free_ char *parent = NULL;
		int r = sb_stack_parse_header(cases[i].text,
					      strlen(cases[i].text), &parent,
					      &err);

		CHECK((r == 0) == cases[i].ok, "header %zu", i);
		if (cases[i].ok && cases[i].parent)
			CHECK_STR(parent, cases[i].parent, "parent %zu", i);
		else
			CHECK(parent == NULL, "no parent %zu", i);
		if (!cases[i].ok)
			CHECK(err && strstr(err->msg, "parent"),
			      "error names the line: %s", err ? err->msg : "");
	}
	{
		/* A parent line past the first 4 KiB is not read. */
		char big[8192];
		_cleanup_free_ char *parent = NULL;

		memset(big, '#', sizeof(big));
		for (size_t i = 100; i < sizeof(big); i += 100)
			big[i] = '\n';
		memcpy(big + 5000, "# parent: rust\n", 15);
		CHECK(sb_stack_parse_header(big, sizeof(big), &parent, NULL) == 0 &&
		      parent == NULL, "capped at 4 KiB");
	}
}

static char root[] = "/tmp/test-stack-XXXXXX";

static void
put(const char *rel, const char *text, mode_t mode)
{
	tu_write_file(root, rel, text, mode);
}

static void
finding(void)
{
	char d[512];
	struct sb_stack s;
	size_t n = 0;
	struct sb_stack *v;

	if (!mkdtemp(root)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(d, sizeof(d), "%s/data", root);
	setenv("SANDBOX_DATADIR", d, 1);
	snprintf(d, sizeof(d), "%s/home", root);
	setenv("HOME", d, 1);
	unsetenv("SUDO_USER");
	for (const char *sub = "data\0data/stacks\0data/stacks.d\0home\0"
			       "home/.sandbox\0home/.sandbox/stacks\0";
	     *sub; sub += strlen(sub) + 1) {
		snprintf(d, sizeof(d), "%s/%s", root, sub);
		mkdir(d, 0755);
	}
	put("data/stacks/base.sh", "#!/bin/bash\n", 0644);
	put("data/stacks/rust.sh", "#!/bin/bash\n", 0644);
	put("data/stacks/go.sh", "#!/bin/bash\n", 0644);
	put("data/stacks.d/go.sh", "# parent: rust\n", 0644);
	put("home/.sandbox/stacks/rust.sh", "# mine\n", 0644);
	put("home/.sandbox/stacks/mine.sh", "# parent: rust\n", 0644);
	put("home/.sandbox/stacks/loop1.sh", "# parent: loop2\n", 0644);
	put("home/.sandbox/stacks/loop2.sh", "# parent: loop1\n", 0644);
	put("home/.sandbox/stacks/orphan.sh", "# parent: nothere\n", 0644);
	put("home/.sandbox/stacks/open.sh", "#!/bin/bash\n", 0666);
	put("home/.sandbox/stacks/Bad_Name.sh", "#!/bin/bash\n", 0644);

	CHECK(sb_stack_find("rust", &s, NULL) == 0 &&
	      s.origin == SB_STACK_USER && s.overrides &&
	      strstr(s.overrides, "data/stacks/rust.sh") &&
	      strcmp(s.parent, "base") == 0, "user's rust overrides shipped");
	sb_stack_release(&s);
	CHECK(sb_stack_find("go", &s, NULL) == 0 &&
	      s.origin == SB_STACK_SYSTEM && strcmp(s.parent, "rust") == 0,
	      "system go over shipped, parent rust");
	sb_stack_release(&s);
	CHECK(sb_stack_find("base", &s, NULL) == 0 && s.parent == NULL &&
	      s.origin == SB_STACK_SHIPPED, "base has no parent");
	sb_stack_release(&s);
	{
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_stack_find("nope", &s, &err) < 0 && err &&
		      err->code == SB_E_NOTFOUND &&
		      strstr(err->msg, "base, go, loop1"), "unknown lists: %s",
		      err ? err->msg : "");
	}
	{
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_stack_find("open", &s, &err) < 0 && err &&
		      strstr(err->msg, "writable by others"), "o+w refused");
	}
	{
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_stack_find("../x", &s, &err) < 0 && err &&
		      err->code == SB_E_INPUT, "bad name refused");
	}
	CHECK(sb_stack_check_chain("mine", NULL) == 0, "mine <- rust <- base");
	{
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_stack_check_chain("loop1", &err) < 0 && err &&
		      strstr(err->msg, "loop"), "loop refused: %s",
		      err ? err->msg : "");
	}
	{
		_cleanup_error_ struct sb_error *err = NULL;

		CHECK(sb_stack_check_chain("orphan", &err) < 0 && err &&
		      strstr(err->msg, "nothere"), "missing parent named");
	}
	v = sb_stack_list(&n, NULL);
	CHECK(v && n == 8, "eight stacks listed (got %zu)", n);
	CHECK(v && n && strcmp(v[0].name, "base") == 0, "base first");
	for (size_t i = 0; v && i < n; i++)
		CHECK(strcmp(v[i].name, "Bad_Name") != 0, "bad name skipped");
	sb_stack_list_free(v, n);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		CHECK(system(cmd) == 0, "cleanup");
	}
}

int
main(void)
{
	headers();
	finding();
	return tap_done();
}
