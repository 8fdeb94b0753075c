#include "format.h"

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
sb_csv_row(FILE *f, int ncols, const char *const *cells)
{
	for (int i = 0; i < ncols; i++) {
		if (i)
			fputc(',', f);
		put_cell(f, cells[i]);
	}
	fputc('\n', f);
}
