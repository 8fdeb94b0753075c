/* Names, numbers, slots and listen addresses. */
#include "model/name.h"
#include "core/cleanup.h"
#include "tap.h"

static void
names(void)
{
	static const struct { const char *name; int ok; } cases[] = {
		{ "api", 1 }, { "a", 1 }, { "web-2", 1 }, { "9lives", 1 },
		{ "", 0 }, { "-x", 0 }, { "x-", 0 }, { "a.b", 0 }, { "a/b", 0 },
		{ "a b", 0 }, { "caf\xc3\xa9", 0 }, { "a_b", 0 },
		{ "123456789012345678901234567890123456789012345678901234567", 1 },
		{ "1234567890123456789012345678901234567890123456789012345678", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *err = NULL;
		int r = sb_name_check(cases[i].name, &err);

		CHECK((r == 0) == cases[i].ok, "name '%s'", cases[i].name);
		if (!cases[i].ok && err && cases[i].name[0])
			CHECK(strstr(err->msg, cases[i].name) != NULL,
			      "error names the value: %s", err->msg);
	}
}

static void
mapping(void)
{
	_cleanup_free_ char *inst = sb_name_instance("api");

	CHECK_STR(inst, "agent-api", "instance name");
	CHECK_STR(sb_name_from_instance("agent-api"), "api", "back");
	CHECK(sb_name_from_instance("golden-base") == NULL, "golden is not");
	CHECK(sb_name_from_instance("agent-") == NULL, "empty name");
}

static void
numbers(void)
{
	/* The words the scripts printed, which users' wrappers grep for. */
	static const struct { const char *s; int ok; long v; const char *word;
	} cases[] = {
		{ "1", 1, 1, NULL }, { "99", 1, 99, NULL },
		{ "0", 0, 0, "is out of range (1-99)" },
		{ "100", 0, 0, "is out of range (1-99)" },
		{ "-1", 0, 0, "must be a number from 1 to 99" },
		{ "22x", 0, 0, "must be a number from 1 to 99" },
		{ "", 0, 0, "must be a number from 1 to 99" },
		{ " 5", 0, 0, "must be a number from 1 to 99" },
		{ "+5", 0, 0, "must be a number from 1 to 99" },
		{ "99999999999999999999", 0, 0, "is out of range (1-99)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_error_ struct sb_error *err = NULL;
		long v = -7;
		int r = sb_parse_int(cases[i].s, 1, 99, "slot", &v, &err);

		CHECK((r == 0) == cases[i].ok, "slot '%s'", cases[i].s);
		if (cases[i].ok)
			CHECK(v == cases[i].v, "value of '%s'", cases[i].s);
		else
			CHECK(err && strstr(err->msg, cases[i].word),
			      "'%s': error says '%s'", cases[i].s,
			      cases[i].word);
	}
}

static void
listen_ports(void)
{
	CHECK(sb_listen_port("tcp:127.0.0.1:2201") == 2201, "tcp");
	CHECK(sb_listen_port("udp:0.0.0.0:53") == 53, "udp");
	CHECK(sb_listen_port("unix:/run/x.sock") == 0, "unix");
	CHECK(sb_listen_port("tcp:127.0.0.1:") == 0, "empty");
	CHECK(sb_listen_port("tcp:127.0.0.1:70000") == 0, "too big");
	CHECK(sb_listen_port(NULL) == 0, "null");
}

int
main(void)
{
	names();
	mapping();
	numbers();
	listen_ports();
	return tap_done();
}
