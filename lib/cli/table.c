/* Text tables (see table.h). */
#include "cli/table.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct sb_table {
	int ncols;
	size_t nrows, cap;
	char **cells; /* nrows * ncols, row 0 the headers */
};

struct sb_table *
sb_table_new(int ncols, const char *const *headers)
{
	struct sb_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	sb_table_add(t, headers);
	return t;
}

void
sb_table_add(struct sb_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells,
				   cap * (size_t)t->ncols * sizeof(*c));

		if (!c)
			return;
		t->cells = c;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = strdup(
			cells[i] ? cells[i] : "-");
	t->nrows++;
}

void
sb_table_print(struct sb_table *t, FILE *f)
{
	size_t w[64] = { 0 };
	int n = t->ncols < 64 ? t->ncols : 64;

	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < n; c++) {
			const char
				*s = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t l = s ? strlen(s) : 0;

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		if (r == 0)
			fputs(sb_cli_paint(f, "bold"), f);
		for (int c = 0; c < n; c++) {
			const char
				*s = t->cells[r * (size_t)t->ncols + (size_t)c];

			if (c == n - 1)
				fprintf(f, "%s", s ? s : "");
			else
				fprintf(f, "%-*s  ", (int)w[c], s ? s : "");
		}
		if (r == 0)
			fputs(sb_cli_paint(f, "reset"), f);
		fputc('\n', f);
	}
}

void
sb_table_free(struct sb_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
