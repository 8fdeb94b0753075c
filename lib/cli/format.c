#include "cli/format.h"

#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int
sb_format_parse(const char *s, enum sb_format *out, struct sb_error **err)
{
	static const char *const names[] = { "table", "json", "csv" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum sb_format)i;
			return 0;
		}
	return sb_error_set(err, SB_E_USAGE,
			    "--format '%s' must be table, json, or csv",
			    s ? s : "");
}

int
sb_format_option(int opt, const char *arg, enum sb_format *fmt, int *given,
		 const char *usage)
{
	struct sb_error *err = NULL;

	if (opt != SB_OPT_FORMAT && opt != SB_OPT_JSON)
		return sb_cli_common(opt, usage);
	if (given)
		*given = 1;
	if (opt == SB_OPT_JSON)
		*fmt = SB_FMT_JSON;
	else if (sb_format_parse(arg, fmt, &err) < 0)
		return sb_cli_exit(err);
	return SB_CLI_GO_ON;
}

static void
put_cell(FILE *f, const char *s)
{
	int quote = s && s[strcspn(s, ",\"\r\n")] != '\0';

	if (!s)
		return;
	if (quote)
		fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"')
			fputs("\"\"", f);
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
}

void
sb_format_age(char *buf, size_t n, long long secs)
{
	if (secs < 0)
		snprintf(buf, n, "-");
	else if (secs < 120)
		snprintf(buf, n, "%llds", secs);
	else if (secs < 2 * 3600)
		snprintf(buf, n, "%lldm", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, n, "%lldh", secs / 3600);
	else
		snprintf(buf, n, "%lldd", secs / 86400);
}

void
sb_format_size(char *buf, size_t n, long long bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 0) {
		snprintf(buf, n, "-");
		return;
	}
	if (bytes < 1024) {
		snprintf(buf, n, "%lldB", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%.1f%s", v, units[u]);
}

void
sb_csv_row(FILE *f, int ncols, const char *const *cells)
{
	for (int i = 0; i < ncols; i++) {
		if (i)
			fputc(',', f);
		put_cell(f, cells[i]);
	}
	fputc('\n', f);
}
