#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"

static const char *prog = "sandbox";

void
sb_cli_init(const char *argv0)
{
	const char *s = argv0 ? strrchr(argv0, '/') : NULL;

	prog = s ? s + 1 : (argv0 ? argv0 : "sandbox");
}

const char *
sb_cli_prog(void)
{
	return prog;
}

int
sb_cli_common(int opt, const char *usage)
{
	if (opt == SB_OPT_HELP) {
		fputs(usage, stdout);
		return SB_EXIT_OK;
	}
	if (opt == SB_OPT_VERSION) {
		printf("%s %s\n", prog, SB_VERSION);
		return SB_EXIT_OK;
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return SB_EXIT_USAGE;
}

/* Messages quote what the user typed; a newline or an escape sequence
 * in it must neither break the one-line message nor reach the terminal,
 * so control bytes are written as \xNN. */
static void
put_msg(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
}

static void
put_vmsg(const char *fmt, va_list ap)
{
	char *s = sb_text_vfmt(fmt, ap);

	if (!s)
		return;
	put_msg(s);
	free(s);
}

void
sb_cli_say(const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s", prog, label);
	va_start(ap, fmt);
	put_vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
sb_cli_usage_hint(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return SB_EXIT_USAGE;
}

int
sb_cli_exit(struct sb_error *err)
{
	int code;

	if (!err)
		return SB_EXIT_OK;
	fprintf(stderr, "%s: ", prog);
	put_msg(err->msg ? err->msg : "");
	fputc('\n', stderr);
	switch (err->code) {
	case SB_E_USAGE:
		code = SB_EXIT_USAGE;
		break;
	case SB_E_NOTIMPL:
		code = SB_EXIT_NOTIMPL;
		break;
	case SB_E_INTERRUPTED:
		code = 130;
		break;
	default:
		code = SB_EXIT_FAIL;
	}
	sb_error_free(err);
	return code;
}

int
sb_cli_result(int rc, struct sb_error *err)
{
	if (rc < 0 && !err) {
		fprintf(stderr, "%s: internal error: the command failed "
			"without saying why; please report it\n", prog);
		return SB_EXIT_FAIL;
	}
	return sb_cli_exit(err);
}

int
sb_cli_dumb_term(void)
{
	const char *term = getenv("TERM");

	return term && strcmp(term, "dumb") == 0;
}

int
sb_cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if ((nc && *nc) || sb_cli_dumb_term())
		return 0;
	return isatty(fileno(f));
}

const char *
sb_cli_paint(FILE *f, const char *what)
{
	static const struct { const char *name, *code; } codes[] = {
		{ "bold", "\033[1m" },  { "dim", "\033[2m" },
		{ "red", "\033[31m" },  { "green", "\033[32m" },
		{ "yellow", "\033[33m" }, { "reset", "\033[0m" },
	};

	if (!sb_cli_color(f))
		return "";
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, what) == 0)
			return codes[i].code;
	return "";
}
